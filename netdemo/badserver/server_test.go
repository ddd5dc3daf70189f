package badserver_test

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
	"github.com/localca/localca/netdemo/badserver"
)

// startServer serves one site per case, each with a good certificate for
// CASE.bad.test, and returns the address and the PKI's root pool.
func startServer(t *testing.T, cases ...string) (string, *x509.CertPool) {
	t.Helper()
	pki := testkit.NewPKI(t, "badserver")
	srv := &badserver.Server{Index: "good.bad.test"}
	for _, c := range cases {
		name := c + ".bad.test"
		l := pki.Issue(t, testkit.LeafSpec{CN: name, DNS: []string{name}, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		srv.Sites = append(srv.Sites, badserver.Site{Case: c, Name: name, Defect: "what is wrong with " + c,
			Chain: l.Cert.Certificate, Key: l.Cert.PrivateKey.(crypto.Signer)})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String(), pki.Pool
}

// get dials name with cfg (RootCAs and ServerName filled in), sends one
// request and returns the page, the connection state, or the error.
func get(addr, name string, pool *x509.CertPool, cfg *tls.Config) (string, tls.ConnectionState, error) {
	if cfg == nil {
		cfg = &tls.Config{}
	}
	cfg.RootCAs, cfg.ServerName = pool, name
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return "", tls.ConnectionState{}, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(conn, "GET / HTTP/1.1\r\nHost: "+name+"\r\nConnection: close\r\n\r\n")
	b, err := io.ReadAll(conn)
	return string(b), conn.ConnectionState(), err
}

// TestServerDefects checks each defect the server makes from its
// configuration, and that the other sites are served as they are.
func TestServerDefects(t *testing.T) {
	addr, pool := startServer(t, "good", "incomplete-chain", "client-cert-required", "tls1.0", "tls1.1")
	tests := []struct {
		name    string
		cfg     *tls.Config
		wantErr string // "" means the page loads
		check   func(t *testing.T, page string, st tls.ConnectionState)
	}{
		{name: "good", check: func(t *testing.T, page string, st tls.ConnectionState) {
			if !strings.Contains(page, "incomplete-chain.bad.test") || len(st.PeerCertificates) != 2 {
				t.Errorf("index page lists no sites, or %d certificates sent:\n%s", len(st.PeerCertificates), page)
			}
		}},
		{name: "incomplete-chain", wantErr: "x509: certificate signed by unknown authority"},
		{name: "incomplete-chain", cfg: &tls.Config{InsecureSkipVerify: true}, check: func(t *testing.T, _ string, st tls.ConnectionState) {
			if len(st.PeerCertificates) != 1 {
				t.Errorf("server sent %d certificates, want the leaf alone", len(st.PeerCertificates))
			}
		}},
		{name: "client-cert-required", wantErr: "handshake failure"},
		{name: "tls1.0", wantErr: "protocol version not supported"},
		{name: "tls1.0", cfg: &tls.Config{MinVersion: tls.VersionTLS10}, check: func(t *testing.T, _ string, st tls.ConnectionState) {
			if st.Version != tls.VersionTLS10 {
				t.Errorf("version %x, want TLS 1.0", st.Version)
			}
		}},
		{name: "tls1.1", cfg: &tls.Config{MinVersion: tls.VersionTLS10}, check: func(t *testing.T, _ string, st tls.ConnectionState) {
			if st.Version != tls.VersionTLS11 {
				t.Errorf("version %x, want TLS 1.1", st.Version)
			}
		}},
		{name: "unknown", wantErr: "internal error"}, // crypto/tls sends internal_error when GetConfigForClient fails
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, st, err := get(addr, tt.name+".bad.test", pool, tt.cfg)
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case !strings.HasPrefix(page, "HTTP/1.1 200"):
				t.Fatalf("answer:\n%s", page)
			default:
				tt.check(t, page, st)
			}
		})
	}
}

// TestBadSites: a site without a key or a name given twice is refused.
func TestBadSites(t *testing.T) {
	for _, s := range []*badserver.Server{
		{Sites: []badserver.Site{{Name: "a.bad.test"}}},
		{Sites: []badserver.Site{{Name: "a.bad.test", Chain: [][]byte{{1}}, Key: testkit.NewKey(t)}, {Name: "A.bad.test", Chain: [][]byte{{1}}, Key: testkit.NewKey(t)}}},
	} {
		if _, err := s.TLSConfig(); !errors.Is(err, badserver.ErrBadSite) {
			t.Errorf("TLSConfig = %v, want ErrBadSite", err)
		}
	}
}
