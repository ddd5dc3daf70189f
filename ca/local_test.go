package ca_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/localca/localca/ca"
)

// TestLocal: a Local issues from a CA it makes on first use, opening the
// store for each call in the way the call needs; Trust gives the root and
// the CRL issuers, CRLs a fresh CRL of each, as PEM.
func TestLocal(t *testing.T) {
	h := testHome(t, nil)
	var opened []ca.Access
	loc := ca.Local{Open: func(a ca.Access) (*ca.CA, error) {
		opened = append(opened, a)
		c, _, err := h.Open(a, ca.Options{})
		return c, err
	}}
	iss, err := loc.Issue(ca.IssueRequest{Names: []string{"api.test"}})
	if err != nil {
		t.Fatal(err)
	}
	root, issuers, err := loc.Trust()
	if err != nil {
		t.Fatal(err)
	}
	if len(issuers) != 2 || !issuers[1].Equal(root) {
		t.Fatalf("Trust() issuers %d, want the intermediate then the root", len(issuers))
	}
	if _, err := iss.Cert.Verify(x509.VerifyOptions{Roots: certPool(root), Intermediates: certPool(issuers[0])}); err != nil {
		t.Fatalf("issued certificate does not chain to Trust's root: %v", err)
	}
	data, err := loc.CRLs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var signers []string
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		crl, err := x509.ParseRevocationList(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		signers = append(signers, crl.Issuer.CommonName)
	}
	if len(signers) != 2 || signers[0] != issuers[0].Subject.CommonName || signers[1] != root.Subject.CommonName {
		t.Errorf("CRLs by %q, want the intermediate's then the root's", signers)
	}
	want := []ca.Access{{InitIfNone: true}, {ReadOnly: true}, {}}
	if len(opened) != len(want) {
		t.Fatalf("opened %v, want %v", opened, want)
	}
	for i := range want {
		if opened[i] != want[i] {
			t.Errorf("open %d as %+v, want %+v", i, opened[i], want[i])
		}
	}
}

func certPool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}
