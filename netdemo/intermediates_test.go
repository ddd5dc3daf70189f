package netdemo

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"
)

// TestServerCompletesLeafOnlyChains: a client that sends only its leaf (as
// `openssl s_client -cert` does without -cert_chain) is refused unless the
// server knows the intermediate, and accepted when ServerTLS.Intermediates
// holds it. A pool of intermediates never makes another CA's leaf trusted.
func TestServerCompletesLeafOnlyChains(t *testing.T) {
	p := newTestPKI(t, "ours")
	other := newTestPKI(t, "other")
	srv := p.server(t)
	inters := x509.NewCertPool()
	inters.AddCert(p.inter)
	inters.AddCert(other.inter)
	leafOnly := func(l *testLeaf) *tls.Certificate {
		return &tls.Certificate{Certificate: [][]byte{l.leaf.Raw}, PrivateKey: l.cert.PrivateKey, Leaf: l.leaf}
	}
	tests := []struct {
		name   string
		inters *x509.CertPool
		client *tls.Certificate
		ok     bool
	}{
		{"leaf only, server without intermediates", nil, leafOnly(p.client(t, "alice")), false},
		{"leaf only, server with intermediates", inters, leafOnly(p.client(t, "bob")), true},
		{"full chain, server without intermediates", nil, p.client(t, "carol").cert, true},
		{"another CA's leaf, its intermediate in the pool", inters, leafOnly(other.client(t, "mallory")), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scfg, err := ServerTLS{Identity: NewIdentity(srv.cert), ClientCAs: p.pool, Intermediates: tt.inters}.Config()
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
			ccfg, err := ClientTLS{Identity: NewIdentity(tt.client), RootCAs: p.pool, ServerName: testServerName}.Config()
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
