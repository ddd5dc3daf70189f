package ca_test

import (
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// TestRevokeIntermediate: revoking the intermediate puts it on the root's
// CRL, and from then on neither a CA loaded afresh nor one loaded before (as
// the server keeps its CA) signs with it; RevokeCert alone never reaches
// it, so a /revoke token cannot end the CA.
func TestRevokeIntermediate(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	csr := csrPEM(t, newKey(t, "ecdsa-p256"), &x509.CertificateRequest{DNSNames: []string{"a.localhost"}})
	if _, err := c.Sign(csr, ca.SignOptions{}); err != nil {
		t.Fatal(err)
	}
	serial := c.Intermediate().SerialNumber.Bytes()
	if _, err := c.RevokeCert(serial, 2); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("RevokeCert of the intermediate's serial: %v, want ErrNotFound", err)
	}
	if _, _, err := c.RevokeIntermediate(c.Root().SerialNumber.Bytes(), 2); !errors.Is(err, store.ErrRootNotRevocable) {
		t.Errorf("RevokeIntermediate of the root: %v", err)
	}
	if _, _, err := c.RevokeIntermediate(serial, 2); err != nil {
		t.Fatal(err)
	}
	crl, err := c.RootCRL(ca.CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rl, err := x509.ParseRevocationList(crl.DER)
	if err != nil {
		t.Fatal(err)
	}
	if len(rl.RevokedCertificateEntries) != 1 || rl.RevokedCertificateEntries[0].SerialNumber.Cmp(c.Intermediate().SerialNumber) != 0 {
		t.Fatalf("root CRL entries %+v", rl.RevokedCertificateEntries)
	}

	fresh, err := ca.Load(c.Store(), ca.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Sign(csr, ca.SignOptions{}); !errors.Is(err, ca.ErrIntermediateRevoked) {
		t.Errorf("Sign by a CA loaded after the revocation: %v", err)
	}
	if at, reason := fresh.IntermediateRevoked(); at.IsZero() || reason != 2 {
		t.Errorf("IntermediateRevoked = %v, %d", at, reason)
	}
}

// TestServerRefusesAfterIntermediateRevoked: the server loads its CA once;
// an intermediate revoked by another process meanwhile stops /sign (409),
// and the token is not spent.
func TestServerRefusesAfterIntermediateRevoked(t *testing.T) {
	srv := newTestServer(t, 0)
	tok := srv.token(t)
	csr := csrPEM(t, newKey(t, "ecdsa-p256"), &x509.CertificateRequest{DNSNames: []string{"a.localhost"}})
	srv.withStore(t, func(c *ca.CA) {
		if _, _, err := c.RevokeIntermediate(c.Intermediate().SerialNumber.Bytes(), store.NoReason); err != nil {
			t.Fatal(err)
		}
	})
	r := srv.do(t, http.MethodPost, "/sign", tok, csr)
	if r.status != http.StatusConflict || !strings.Contains(r.jsonError(), "intermediate is revoked") {
		t.Fatalf("/sign after the revocation: %d %s", r.status, r.body)
	}
	srv.withStore(t, func(c *ca.CA) {
		if _, err := c.SpendToken(tok, ca.TokenSign, []string{"a.localhost"}); err != nil {
			t.Errorf("the refused /sign spent its token: %v", err)
		}
	})
}
