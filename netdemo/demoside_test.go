package netdemo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// TestDemoSideStart: Start refuses settings that disagree before it reads
// or issues anything, reads a roots file, and starts a revocation checker
// only on a side that checks its peer.
func TestDemoSideStart(t *testing.T) {
	pki := testkit.NewPKI(t, "Side")
	leaf := pki.Server(t)
	lca := LocalCA{
		Issue: func(string) (*tls.Certificate, error) { return pki.Server(t).Cert, nil },
		Trust: func() (*x509.Certificate, []*x509.Certificate, error) {
			return pki.Root, []*x509.Certificate{pki.Inter, pki.Root}, nil
		},
		CRL: func(context.Context) ([]byte, error) { return nil, errors.New("no CRL yet") },
	}
	der := filepath.Join(t.TempDir(), "root.der")
	if err := os.WriteFile(der, pki.Root.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	files := PeerSource{CertFile: leaf.CertFile, KeyFile: leaf.KeyFile}
	tests := []struct {
		name      string
		side      DemoSide
		wantErr   error // nil: a config, unless wantPlain
		wantPlain bool
		wantCheck string // "": OnRevocation not called; "none": called with no checker; "started"
	}{
		{"plain", DemoSide{Server: true}, nil, true, ""},
		{"TLS server without a certificate", DemoSide{Server: true, TLS: true, Source: PeerSource{Local: lca}}, ErrBadConfig, false, ""},
		{"mTLS client without a certificate", DemoSide{MTLS: true, Source: PeerSource{Local: lca}}, ErrBadConfig, false, ""},
		{"name and files", DemoSide{Server: true, TLS: true, Source: PeerSource{Name: "a.test", CertFile: leaf.CertFile, KeyFile: leaf.KeyFile, Local: lca}}, ErrBadConfig, false, ""},
		{"bad allow rule", DemoSide{Server: true, MTLS: true, Source: PeerSource{Name: "a.test", Local: lca}, Allow: []string{"dns:"}}, ErrBadAllowRule, false, ""},
		{"missing roots file", DemoSide{TLS: true, Addr: "a.test:443", RootsFile: filepath.Join(t.TempDir(), "none.pem")}, os.ErrNotExist, false, ""},
		{"TLS server: no check of clients", DemoSide{Server: true, TLS: true, Source: PeerSource{Name: "a.test", Local: lca}}, nil, false, ""},
		{"mTLS server from files, local CA's CRL", DemoSide{Server: true, MTLS: true, Source: PeerSource{CertFile: files.CertFile, KeyFile: files.KeyFile, Local: lca}}, nil, false, "started"},
		{"TLS client, PEM roots file, no CRL source", DemoSide{TLS: true, Addr: "a.test:443", RootsFile: pki.CAFile}, nil, false, "none"},
		{"TLS client, DER roots file", DemoSide{TLS: true, Addr: "a.test:443", RootsFile: der}, nil, false, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			check := ""
			tt.side.OnRevocation = func(chk *CRLChecker, _ error) {
				check = map[bool]string{true: "none", false: "started"}[chk == nil]
			}
			cfg, stop, err := tt.side.Start(ctx)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Start() = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			defer stop()
			if (cfg == nil) != tt.wantPlain {
				t.Errorf("config %v, want plain %v", cfg != nil, tt.wantPlain)
			}
			if check != tt.wantCheck {
				t.Errorf("revocation %q, want %q", check, tt.wantCheck)
			}
		})
	}
}
