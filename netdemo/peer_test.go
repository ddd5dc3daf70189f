package netdemo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// TestPeerTLSConfigs: a server Peer issued by a function and a client Peer
// read from files talk mTLS; a client revoked on the server's CRL source
// is refused; a client without a source's CRL has no checker.
func TestPeerTLSConfigs(t *testing.T) {
	pki := testkit.NewPKI(t, "Peer")
	good, revoked := pki.Client(t, "good"), pki.Client(t, "bad")
	var issued atomic.Int32
	srvPeer, err := NewPeer(PeerConfig{
		Issue: func() (*tls.Certificate, error) { issued.Add(1); return pki.Server(t).Cert, nil },
		Roots: []*x509.Certificate{pki.Root}, Issuers: []*x509.Certificate{pki.Inter, pki.Root},
		CRL: func(context.Context) ([]byte, error) { return pki.CRL(t, time.Hour, revoked.Leaf), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if issued.Load() != 1 || srvPeer.Identity.Certificate() == nil {
		t.Fatalf("NewPeer issued %d certificates, want 1", issued.Load())
	}
	ctx := testCtx(t, 30*time.Second)
	rev, err := srvPeer.Revocation(ctx, RevocationOptions{Log: io.Discard})
	if err != nil || rev == nil {
		t.Fatalf("Revocation: %v, %v", rev, err)
	}
	defer rev.Close()
	cfg, err := srvPeer.ServerTLS(true, nil, rev).Config()
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, listen(t), (&HTTPServer{TLS: cfg, Log: io.Discard}).Serve)

	tests := []struct {
		name    string
		leaf    *testkit.Leaf
		refused bool
	}{
		{"good client", good, false},
		{"revoked client", revoked, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cli, err := NewPeer(PeerConfig{CertFile: tt.leaf.CertFile, KeyFile: tt.leaf.KeyFile,
				Roots: []*x509.Certificate{pki.Root}})
			if err != nil {
				t.Fatal(err)
			}
			if len(cli.Chain) != 1 || !cli.Chain[0].Equal(pki.Inter) {
				t.Errorf("chain of the file: %d certificates, want the intermediate", len(cli.Chain))
			}
			if chk, err := cli.Revocation(ctx, RevocationOptions{}); chk != nil || err != nil {
				t.Errorf("no CRL source: got checker %v, %v", chk, err)
			}
			ccfg, err := cli.ClientTLS(testkit.ServerName, true, nil, nil).Config()
			if err != nil {
				t.Fatal(err)
			}
			resp, err := NewHTTPClient(ccfg, 5*time.Second).Get("https://" + addr + "/whoami")
			if err == nil {
				resp.Body.Close()
			}
			if refused := err != nil || resp.StatusCode != http.StatusOK; refused != tt.refused {
				t.Errorf("refused %v (%v), want %v", refused, err, tt.refused)
			}
		})
	}
}

// TestPeerFromMissingFiles: files that cannot be read are an error, not a
// Peer without a certificate.
func TestPeerFromMissingFiles(t *testing.T) {
	_, err := NewPeer(PeerConfig{CertFile: t.TempDir() + "/none.pem", KeyFile: t.TempDir() + "/none-key.pem"})
	if err == nil {
		t.Fatal("NewPeer of missing files: no error")
	}
	var pe interface{ Unwrap() error }
	if !errors.As(err, &pe) {
		t.Errorf("error %v does not wrap its cause", err)
	}
}
