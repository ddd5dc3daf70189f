package netdemo

import (
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// A CRL signed by the intermediate is good for a checker that trusts only
// the root, when the intermediate (from the demo's own chain) verifies up
// to that root; an intermediate of another root is not.
func TestCRLSignedByIntermediateUpTheChain(t *testing.T) {
	pki := testkit.NewPKI(t, "Test")
	other := testkit.NewPKI(t, "Other")
	bad := pki.Client(t, "bad")
	good := pki.Client(t, "good")
	tests := []struct {
		name          string
		intermediates []*x509.Certificate
		crl           []byte
		wantUpdate    error
	}{
		{"root only: refused, as before", nil, pki.CRL(t, time.Hour, bad.Leaf), ErrBadCRL},
		{"the intermediate of this root", []*x509.Certificate{pki.Inter}, pki.CRL(t, time.Hour, bad.Leaf), nil},
		{"another root's intermediate", []*x509.Certificate{other.Inter}, other.CRL(t, time.Hour), ErrBadCRL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &crlSource{}
			src.publish(tt.crl)
			c := &CRLChecker{Fetch: src.fetch, Issuers: []*x509.Certificate{pki.Root}, Roots: pki.Pool, Intermediates: tt.intermediates}
			err := c.Update(testCtx(t, 5*time.Second))
			if !errors.Is(err, tt.wantUpdate) || (tt.wantUpdate == nil) != (err == nil) {
				t.Fatalf("Update = %v, want %v", err, tt.wantUpdate)
			}
			if err != nil {
				return
			}
			if err := c.Check(bad.Leaf); !errors.Is(err, ErrRevoked) {
				t.Errorf("revoked leaf: %v", err)
			}
			if err := c.Check(good.Leaf); err != nil {
				t.Errorf("good leaf: %v", err)
			}
		})
	}
}
