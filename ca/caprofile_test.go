package ca_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"testing"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/policies"
)

// TestCAProfileRefused: a CSR signed, or self-signed, under the
// intermediate profile is refused with ErrCAProfile and nothing is stored.
// (Self-signing used to make a CA:FALSE certificate with keyCertSign; the
// CA's refusal was an error no sentinel matched. FuzzParseCSR found the
// second.)
func TestCAProfileRefused(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	key := newKey(t, "ecdsa-p256")
	csr := csrPEM(t, key, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "Sub CA"}})
	tests := []struct {
		name string
		sign func() (*ca.Issued, error)
	}{
		{"sign", func() (*ca.Issued, error) {
			return c.Sign(csr, ca.SignOptions{Profile: policies.ProfileIntermediate})
		}},
		{"self-sign", func() (*ca.Issued, error) {
			return ca.SelfSign(c.Store(), nil, csr, key, ca.SignOptions{Profile: policies.ProfileIntermediate}, fixedNow())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := c.Store().CountCerts()
			if err != nil {
				t.Fatal(err)
			}
			iss, err := tt.sign()
			if !errors.Is(err, ca.ErrCAProfile) {
				t.Fatalf("got %v, %v; want ErrCAProfile", iss, err)
			}
			after, err := c.Store().CountCerts()
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Errorf("a refused request stored %d certificates", after-before)
			}
		})
	}
}
