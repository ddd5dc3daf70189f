package ca_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// TestRenew: a renewal keeps the names (in order), the profile and the
// validity length; it makes a new key of the same type unless asked to keep
// the old one; and with RevokeOld the old certificate ends up revoked as
// superseded.
func TestRenew(t *testing.T) {
	tests := []struct {
		name    string
		issue   ca.IssueRequest
		req     ca.RenewRequest
		sameKey bool
	}{
		{"server, new key", ca.IssueRequest{Names: []string{"web.test", "127.0.0.1", "alt.test"}, Validity: 30 * 24 * time.Hour}, ca.RenewRequest{}, false},
		{"client, reuse key, revoke old", ca.IssueRequest{Names: []string{"alice@example.test"}, Profile: "client", KeyType: "ed25519"},
			ca.RenewRequest{ReuseKey: true, RevokeOld: true}, true},
		{"peer, rsa", ca.IssueRequest{Names: []string{"api.test", "spiffe://localca.test/api"}, Profile: "peer", KeyType: "rsa-2048"},
			ca.RenewRequest{RevokeOld: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCA(t, "ecdsa-p256")
			old, err := c.Issue(tt.issue)
			if err != nil {
				t.Fatal(err)
			}
			tt.req.Serial = old.Cert.SerialNumber.Bytes()
			r, err := c.Renew(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Record.Names, old.Record.Names) || r.Record.Profile != old.Record.Profile {
				t.Errorf("renewed %v (%s), want %v (%s)", r.Record.Names, r.Record.Profile, old.Record.Names, old.Record.Profile)
			}
			if r.Cert.Subject.CommonName != old.Cert.Subject.CommonName {
				t.Errorf("common name %q, want %q", r.Cert.Subject.CommonName, old.Cert.Subject.CommonName)
			}
			if got, want := r.Cert.NotAfter.Sub(r.Cert.NotBefore), old.Cert.NotAfter.Sub(old.Cert.NotBefore); got != want {
				t.Errorf("validity %s, want %s", got, want)
			}
			oldPub, _ := x509.MarshalPKIXPublicKey(old.Cert.PublicKey)
			newPub, _ := x509.MarshalPKIXPublicKey(r.Cert.PublicKey)
			if bytes.Equal(oldPub, newPub) != tt.sameKey {
				t.Errorf("same key: %v, want %v", bytes.Equal(oldPub, newPub), tt.sameKey)
			}
			a1, s1 := ca.DescribeKey(old.Cert.PublicKey)
			a2, s2 := ca.DescribeKey(r.Cert.PublicKey)
			if a1 != a2 || s1 != s2 {
				t.Errorf("key %s %d, want %s %d", a2, s2, a1, s1)
			}
			if len(r.KeyPEM) == 0 {
				t.Error("no key to write")
			}
			rec, err := c.Store().Cert(tt.req.Serial)
			if err != nil {
				t.Fatal(err)
			}
			if revoked := rec.Status == store.CertRevoked; revoked != tt.req.RevokeOld || r.Revoked != tt.req.RevokeOld {
				t.Errorf("old status %s (Revoked %v), RevokeOld %v", rec.Status, r.Revoked, tt.req.RevokeOld)
			}
			if tt.req.RevokeOld && rec.Reason != 4 {
				t.Errorf("old revoked with reason %d, want 4 (superseded)", rec.Reason)
			}
		})
	}
}

// TestRenewRefusals: what cannot be renewed is refused with nothing stored.
func TestRenewRefusals(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	signed, err := c.Sign(csrPEM(t, newKey(t, "ecdsa-p256"), &x509.CertificateRequest{DNSNames: []string{"csr.test"}}), ca.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	other := newKey(t, "ecdsa-p256")
	issued, err := c.Issue(ca.IssueRequest{Names: []string{"own.test"}})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := c.Store().CountCerts()
	tests := []struct {
		name string
		req  ca.RenewRequest
		want error
	}{
		{"unknown serial", ca.RenewRequest{Serial: []byte{0x42}}, store.ErrNotFound},
		{"reuse a key the store lacks", ca.RenewRequest{Serial: signed.Cert.SerialNumber.Bytes(), ReuseKey: true}, ca.ErrNoStoredKey},
		{"reuse a key that is not the certificate's", ca.RenewRequest{Serial: issued.Cert.SerialNumber.Bytes(), ReuseKey: true, Key: other}, ca.ErrKeyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := c.Renew(tt.req); !errors.Is(err, tt.want) {
				t.Fatalf("Renew: %v, want %v", err, tt.want)
			}
		})
	}
	if after, _ := c.Store().CountCerts(); after != before {
		t.Errorf("%d certificates stored by refused renewals", after-before)
	}
	// A certificate signed from a CSR renews with a new key.
	r, err := c.Renew(ca.RenewRequest{Serial: signed.Cert.SerialNumber.Bytes()})
	if err != nil || r.Record.Names[0] != "csr.test" || r.Key == nil {
		t.Fatalf("renewing a signed CSR's certificate with a new key: %v", err)
	}
}
