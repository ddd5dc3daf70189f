package netdemo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// TestPeerSource: a PeerSource issues from its LocalCA or loads files,
// trusts the given roots or else the local CA's, and takes the local CA's
// CRL only when the local root is trusted.
func TestPeerSource(t *testing.T) {
	local, other := testkit.NewPKI(t, "Local"), testkit.NewPKI(t, "Other")
	files := local.Server(t)
	crl := func(context.Context) ([]byte, error) { return nil, nil }
	lca := LocalCA{
		Issue: func(string) (*tls.Certificate, error) { return local.Server(t).Cert, nil },
		Trust: func() (*x509.Certificate, []*x509.Certificate, error) {
			return local.Root, []*x509.Certificate{local.Inter, local.Root}, nil
		},
		CRL: crl,
	}
	tests := []struct {
		name     string
		src      PeerSource
		wantErr  error
		wantRoot *x509.Certificate
		wantCRL  bool
		wantCert bool
	}{
		{"issued by the local CA", PeerSource{Name: "a.test", Local: lca}, nil, local.Root, true, true},
		{"files, local trust", PeerSource{CertFile: files.CertFile, KeyFile: files.KeyFile, Local: lca}, nil, local.Root, true, true},
		{"files, roots holding the local root", PeerSource{CertFile: files.CertFile, KeyFile: files.KeyFile,
			Roots: []*x509.Certificate{local.Root}, Local: lca}, nil, local.Root, true, true},
		{"another CA's roots: no CRL", PeerSource{Roots: []*x509.Certificate{other.Root}, Local: lca}, nil, other.Root, false, false},
		{"roots and no local CA", PeerSource{Roots: []*x509.Certificate{other.Root}}, nil, other.Root, false, false},
		{"no roots, no local CA", PeerSource{}, ErrBadConfig, nil, false, false},
		{"name and files", PeerSource{Name: "a.test", CertFile: files.CertFile, KeyFile: files.KeyFile, Local: lca}, ErrBadConfig, nil, false, false},
		{"certificate without key", PeerSource{CertFile: files.CertFile, Local: lca}, ErrBadConfig, nil, false, false},
		{"name without a local CA", PeerSource{Name: "a.test"}, ErrBadConfig, nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.src.Peer()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Peer() = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if _, err := tt.wantRoot.Verify(x509.VerifyOptions{Roots: p.Roots}); err != nil {
				t.Errorf("root %s not trusted: %v", tt.wantRoot.Subject, err)
			}
			if (p.CRL != nil) != tt.wantCRL {
				t.Errorf("CRL source set: %v, want %v", p.CRL != nil, tt.wantCRL)
			}
			if (p.Identity.Certificate() != nil) != tt.wantCert {
				t.Errorf("certificate: %v, want %v", p.Identity.Certificate() != nil, tt.wantCert)
			}
		})
	}
}

// TestDemoTLSClientServerName: a client's server name defaults to the host
// it dials, and an address without a port is a configuration error.
func TestDemoTLSClientServerName(t *testing.T) {
	pki := testkit.NewPKI(t, "Demo")
	p, err := NewPeer(PeerConfig{Roots: []*x509.Certificate{pki.Root}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, serverName, addr, want string
		wantErr                      error
	}{
		{"host of the address", "", "web.test:8443", "web.test", nil},
		{"given name", "api.test", "127.0.0.1:8443", "api.test", nil},
		{"no port", "", "web.test", "", ErrBadConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := DemoTLS{Peer: p, ServerName: tt.serverName, Addr: tt.addr}.Config(context.Background())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Config() = %v, want %v", err, tt.wantErr)
			}
			if err == nil && cfg.ServerName != tt.want {
				t.Errorf("ServerName %q, want %q", cfg.ServerName, tt.want)
			}
		})
	}
}
