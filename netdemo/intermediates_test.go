package netdemo

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// TestServerCompletesLeafOnlyChains: a client that sends only its leaf (as
// `openssl s_client -cert` does without -cert_chain) is refused unless the
// server knows the intermediate, and accepted when ServerTLS.Intermediates
// holds it. A pool of intermediates never makes another CA's leaf trusted.
func TestServerCompletesLeafOnlyChains(t *testing.T) {
	p := testkit.NewPKI(t, "ours")
	other := testkit.NewPKI(t, "other")
	srv := p.Server(t)
	inters := x509.NewCertPool()
	inters.AddCert(p.Inter)
	inters.AddCert(other.Inter)
	leafOnly := func(l *testkit.Leaf) *tls.Certificate {
		return &tls.Certificate{Certificate: [][]byte{l.Leaf.Raw}, PrivateKey: l.Cert.PrivateKey, Leaf: l.Leaf}
	}
	tests := []struct {
		name   string
		inters *x509.CertPool
		client *tls.Certificate
		ok     bool
	}{
		{"leaf only, server without intermediates", nil, leafOnly(p.Client(t, "alice")), false},
		{"leaf only, server with intermediates", inters, leafOnly(p.Client(t, "bob")), true},
		{"full chain, server without intermediates", nil, p.Client(t, "carol").Cert, true},
		{"another CA's leaf, its intermediate in the pool", inters, leafOnly(other.Client(t, "mallory")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scfg, err := ServerTLS{Identity: NewIdentity(srv.Cert), ClientCAs: p.Pool, Intermediates: tt.inters}.Config()
			if err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			done := make(chan error, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					done <- err
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				done <- tls.Server(c, scfg).Handshake()
			}()
			ccfg, err := ClientTLS{Identity: NewIdentity(tt.client), RootCAs: p.Pool, ServerName: testkit.ServerName}.Config()
			if err != nil {
				t.Fatal(err)
			}
			conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", ln.Addr().String(), ccfg)
			if err == nil {
				conn.SetDeadline(time.Now().Add(5 * time.Second))
				conn.Read(make([]byte, 1)) // a TLS 1.3 refusal arrives here
				conn.Close()
			}
			if err := <-done; (err == nil) != tt.ok {
				t.Fatalf("server handshake: %v, want accepted=%v", err, tt.ok)
			}
		})
	}
}
