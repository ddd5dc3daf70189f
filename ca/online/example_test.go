package online_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/ca/online"
)

// Example puts a fresh CA online on loopback, as `localca serve --acme`
// does: HTTPS with the CA's own certificate, a plain-HTTP listener for
// CRLs and OCSP, the web page and ACME. Run serves until its context ends.
func Example() {
	dir, err := os.MkdirTemp("", "localca-online")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	open := ca.StoreOpener(filepath.Join(dir, "localca.db"), ca.OpenOptions{})
	authority, _, err := ca.ConnectOrInit(open, ca.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	site, err := online.New(online.Config{
		Server: ca.ServerConfig{CA: authority, Open: open},
		TLS:    ln, URL: "https://" + ln.Addr().String(),
		Plain: plain, PlainURL: "http://" + plain.Addr().String(),
		ACME: &online.ACME{},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("certificate for:", site.Names)
	fmt.Println("issued by:", site.Cert.Leaf.Issuer.CommonName == authority.Intermediate().Subject.CommonName)
	fmt.Println("ACME needs EAB on loopback:", site.ACME.RequireEAB)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	fmt.Println("stopped cleanly:", site.Run(ctx) == nil)
	// Output:
	// certificate for: [localhost 127.0.0.1]
	// issued by: true
	// ACME needs EAB on loopback: false
	// stopped cleanly: true
}
