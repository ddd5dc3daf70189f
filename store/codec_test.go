package store

import (
	"errors"
	"testing"
	"time"
)

func TestCertCodecRoundTrip(t *testing.T) {
	ca := newTestCA(t, "Root")
	base := ca.issue(t, nil, testNow.AddDate(0, 1, 0), "a.test", "192.0.2.1", "mail@a.test", "spiffe://a.test/x")
	revokedAt := testNow.Add(-time.Hour).Add(987654321 * time.Nanosecond)
	tests := []struct {
		name   string
		mutate func(c *Cert)
	}{
		{"valid", func(c *Cert) {}},
		{"valid with CSR id", func(c *Cert) { c.CSRID = []byte("0123456789abcdef0123456789abcdef") }},
		{"no names, no profile, self-signed", func(c *Cert) { c.Names, c.Profile, c.IssuerID = nil, "", "" }},
		{"no key fingerprint", func(c *Cert) { c.KeyFingerprint = nil }},
		{"revoked", func(c *Cert) { c.Status, c.RevokedAt, c.Reason = CertRevoked, revokedAt, 1 }},
		{"revoked without reason", func(c *Cert) { c.Status, c.RevokedAt, c.Reason = CertRevoked, revokedAt, NoReason }},
		{"revoked, CSR id, no names", func(c *Cert) {
			c.Status, c.RevokedAt, c.Reason, c.CSRID, c.Names = CertRevoked, revokedAt, 9, []byte{7}, nil
		}},
		{"NotAfter past 2262", func(c *Cert) { c.NotAfter = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := *base
			c.Status, c.Reason = CertValid, NoReason
			tt.mutate(&c)
			got, err := decodeCert(encodeCert(&c))
			if err != nil {
				t.Fatalf("decodeCert: %v", err)
			}
			if d := diffCert(got, &c); d != "" {
				t.Errorf("round trip: %s", d)
			}
		})
	}
}

func TestDecodeCertCorrupt(t *testing.T) {
	good := encodeCert(&Cert{Serial: []byte{1}, DER: []byte{2, 3}, Names: []string{"a.test"},
		NotAfter: testNow, Status: CertRevoked, RevokedAt: testNow, Reason: 1})
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"unknown version", append([]byte{99}, good[1:]...)},
		{"version only", good[:1]},
		{"length beyond the end", []byte{certCodecVersion, 0x7f, 1, 2}},
		{"huge length", []byte{certCodecVersion, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"cut before the status", good[:len(good)-12]},
		{"cut in the revocation", good[:len(good)-1]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := decodeCert(tt.in); !errors.Is(err, ErrCorrupt) || c != nil {
				t.Errorf("decodeCert = %+v, %v; want ErrCorrupt", c, err)
			}
		})
	}
}

// FuzzDecodeCert feeds arbitrary bytes to the record decoder: a damaged store
// file must give ErrCorrupt, never a panic, and whatever decodes must survive
// a second round trip unchanged.
func FuzzDecodeCert(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{certCodecVersion})
	f.Add(encodeCert(&Cert{Serial: []byte{1}, DER: []byte{0x30, 0}, NotAfter: testNow}))
	f.Add(encodeCert(&Cert{Serial: []byte{1, 2}, DER: []byte{0x30, 0}, IssuerID: "abc", KeyFingerprint: []byte{9},
		CSRID: []byte{8}, Profile: "server", Names: []string{"a.test", "b.test"}, NotAfter: testNow,
		Status: CertRevoked, RevokedAt: testNow, Reason: NoReason}))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeCert(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) || c != nil {
				t.Fatalf("decodeCert = %+v, %v; want nil and ErrCorrupt", c, err)
			}
			return
		}
		again, err := decodeCert(encodeCert(c))
		if err != nil {
			t.Fatalf("a decoded record does not decode after encoding: %v", err)
		}
		if d := diffCert(again, c); d != "" {
			t.Fatalf("second round trip: %s", d)
		}
	})
}
