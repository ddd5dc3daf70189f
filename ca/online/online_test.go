package online_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/ca/online"
)

func TestCertNames(t *testing.T) {
	tests := []struct {
		name, addr, host string
		want             []string
	}{
		{"loopback IP", "127.0.0.1:8443", "127.0.0.1", []string{"localhost", "127.0.0.1"}},
		{"DNS name on loopback", "127.0.0.1:8443", "ca.test", []string{"ca.test", "127.0.0.1"}},
		{"unspecified listener", "0.0.0.0:8443", "ca.test", []string{"ca.test", "127.0.0.1"}},
		{"same host", "192.0.2.1:8443", "192.0.2.1", []string{"192.0.2.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, err := net.ResolveTCPAddr("tcp", tt.addr)
			if err != nil {
				t.Fatal(err)
			}
			if got := online.CertNames(addr, tt.host); !slices.Equal(got, tt.want) {
				t.Errorf("CertNames(%s, %s) = %v, want %v", tt.addr, tt.host, got, tt.want)
			}
		})
	}
}

// listen opens a loopback listener closed at the end of the test.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// TestSiteServesBothListeners: a Site made from a fresh CA answers over
// TLS with a certificate for its URL's host, serves the issuer over plain
// HTTP, mounts ACME and the page, and stops when its context ends.
func TestSiteServesBothListeners(t *testing.T) {
	open := ca.StoreOpener(filepath.Join(t.TempDir(), "localca.db"), ca.OpenOptions{})
	authority, _, err := ca.ConnectOrInit(open, ca.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, plain := listen(t), listen(t)
	url, plainURL := "https://"+ln.Addr().String(), "http://"+plain.Addr().String()
	site, err := online.New(online.Config{
		Server: ca.ServerConfig{CA: authority, Open: open},
		TLS:    ln, URL: url, Plain: plain, PlainURL: plainURL,
		ACME: &online.ACME{},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(site.Names, []string{"localhost", "127.0.0.1"}) {
		t.Errorf("names %v", site.Names)
	}
	if site.ACMEDirectory != url+"/acme/directory" || site.ACME.RequireEAB {
		t.Errorf("ACME directory %q, EAB required %v: want open ACME on loopback", site.ACMEDirectory, site.ACME.RequireEAB)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- site.Run(ctx) }()

	roots := x509.NewCertPool()
	roots.AddCert(authority.Root())
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	for _, u := range []string{url + "/healthz", url + "/acme/directory", url + "/", plainURL + "/intermediate.crt"} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Errorf("GET %s: %s, %d bytes", u, resp.Status, len(body))
		}
	}
	// The CA's own plain paths, and the trust page mounted at "/".
	if p := site.PlainPaths(); !slices.Contains(p, "/crl") || !slices.Contains(p, "/") {
		t.Errorf("plain paths %v: want /crl and the page's /", p)
	}
	// What each listener serves and to whom, as serve announces it.
	offers := site.Offers()
	if len(offers) != 3 || offers[0].URL != url || offers[0].Who != "" || offers[1].Who == "" ||
		!offers[2].Plain || offers[2].URL != plainURL || offers[2].Addr.String() != plain.Addr().String() {
		t.Errorf("offers %+v: want the TLS listener's two (open, then with a token) and the plain one", offers)
	}
	if got := site.ACME.Admits(); !strings.HasPrefix(got, "any local user") {
		t.Errorf("ACME on loopback admits %q", got)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
}
