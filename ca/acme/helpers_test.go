package acme_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/ca/acme"
	"github.com/localca/localca/ca/acme/va"
	"github.com/localca/localca/store"
)

// testServer is the CA's HTTPS server with ACME mounted, in this process,
// on loopback ports the system chose, and an http-01 responder that
// answers the tokens a test gives it.
type testServer struct {
	t        testing.TB
	base     string
	acme     *acme.Server
	caSrv    *ca.Server
	ca       *ca.CA
	storage  acme.Storage
	mem      *memStorage // when the storage is in memory
	client   *http.Client
	tokens   sync.Map // http-01 token -> key authorization
	httpPort int
}

// storageKind picks where a test server keeps ACME state.
type storageKind int

const (
	inStore storageKind = iota
	inMemory
)

func (k storageKind) String() string { return [...]string{"store", "memory"}[k] }

func newTestServer(t testing.TB, kind storageKind, edit ...func(*acme.Config)) *testServer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "localca.db")
	st, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ca.Init(st, ca.InitOptions{}, ca.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := c.TLSCertificate("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, base: "https://" + ln.Addr().String()}
	ts.caSrv, err = ca.NewServer(ca.ServerConfig{CA: c, BaseURL: ts.base,
		Open: func() (*store.Store, error) { return store.Open(path, &store.Options{Timeout: 5 * time.Second}) }})
	if err != nil {
		t.Fatal(err)
	}
	ts.ca = ts.caSrv.CA()
	ts.httpPort = ts.startResponder()
	if kind == inMemory {
		ts.mem = newMemStorage()
		ts.storage = ts.mem
	} else {
		ts.storage = acme.ServerStorage(ts.caSrv)
	}
	cfg := acme.Config{CA: ts.ca, Storage: ts.storage, BaseURL: ts.base,
		Validator:         &va.Validator{HTTPPort: ts.httpPort, Records: acme.ServerRecords(ts.caSrv), DialTimeout: 2 * time.Second},
		ValidationTimeout: 5 * time.Second}
	for _, e := range edit {
		e(&cfg)
	}
	if ts.acme, err = acme.New(cfg); err != nil {
		t.Fatal(err)
	}
	ts.caSrv.Mount("/acme/", ts.acme.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ts.caSrv.Serve(ctx, ln, cert) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
		ts.acme.Wait()
	})
	pool := x509.NewCertPool()
	pool.AddCert(c.Root())
	ts.client = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: 64}}
	return ts
}

// startResponder serves http-01 answers on a loopback port until the test
// ends, and returns the port.
func (ts *testServer) startResponder() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ts.t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.URL.Path, "/.well-known/acme-challenge/")
		v, found := ts.tokens.Load(tok)
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, v)
	})}
	go srv.Serve(ln)
	ts.t.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

func (ts *testServer) dir() string { return ts.acme.DirectoryURL() }

// snapshot is everything the ACME storage and the certificate store hold
// that a refused request must leave alone: every ACME record, the
// certificates and the event log.
func (ts *testServer) snapshot() string {
	ts.t.Helper()
	var b strings.Builder
	err := ts.storage.View(func(tx acme.Tx) error {
		return tx.Range("", func(k string, v []byte) error {
			fmt.Fprintf(&b, "%s=%s\n", k, v)
			return nil
		})
	})
	if err != nil {
		ts.t.Fatal(err)
	}
	if ts.mem != nil {
		b.WriteString(ts.mem.snapshot())
	}
	err = ts.caSrv.UseStore(func(c *ca.CA) error {
		n, err := c.Store().CountCerts()
		ev, err2 := c.Store().Events(0)
		fmt.Fprintf(&b, "%d certificates, %d events\n", n, len(ev))
		return errors.Join(err, err2)
	})
	if err != nil {
		ts.t.Fatal(err)
	}
	return b.String()
}

func newECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
