package store

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
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
			got, err := decodeCert(encodeCert(&c, nil), nil)
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
		NotAfter: testNow, Status: CertRevoked, RevokedAt: testNow, Reason: 1}, nil)
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
			if c, err := decodeCert(tt.in, nil); !errors.Is(err, ErrCorrupt) || c != nil {
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
	f.Add(encodeCert(&Cert{Serial: []byte{1}, DER: []byte{0x30, 0}, NotAfter: testNow}, nil))
	f.Add(encodeCert(&Cert{Serial: []byte{1, 2}, DER: []byte{0x30, 0}, IssuerID: "abc", KeyFingerprint: []byte{9},
		CSRID: []byte{8}, Profile: "server", Names: []string{"a.test", "b.test"}, NotAfter: testNow,
		Status: CertRevoked, RevokedAt: testNow, Reason: NoReason}, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeCert(b, nil)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) || c != nil {
				t.Fatalf("decodeCert = %+v, %v; want nil and ErrCorrupt", c, err)
			}
			return
		}
		again, err := decodeCert(encodeCert(c, nil), nil)
		if err != nil {
			t.Fatalf("a decoded record does not decode after encoding: %v", err)
		}
		if d := diffCert(again, c); d != "" {
			t.Fatalf("second round trip: %s", d)
		}
	})
}

// TestCertCodecLeavesOutWhatItCanFind checks version 2's savings and their
// limits: the serial is left out when the DER holds it, the issuer shrinks
// to a prefix only when the authorities bucket resolves it to that one id,
// and version 1 records (serial and issuer spelt out) still decode.
func TestCertCodecLeavesOutWhatItCanFind(t *testing.T) {
	s := openTest(t, nil)
	root, other := newTestCA(t, "Root"), newTestCA(t, "Other")
	// twin shares other's first 8 bytes: neither can be shortened.
	twin := other.auth.ID[:2*issuerPrefixLen] + strings.Repeat("0", len(other.auth.ID)-2*issuerPrefixLen)
	for _, id := range []string{root.auth.ID, other.auth.ID, twin} {
		if err := s.b.Update(context.Background(), func(tx WriteTx) error {
			return tx.Put(authorityKey(id), []byte("{}"))
		}); err != nil {
			t.Fatal(err)
		}
	}
	c := root.issue(t, nil, testNow.AddDate(0, 1, 0), "a.test")
	tests := []struct {
		name         string
		mutate       func(c *Cert)
		serialStored bool
		issuerLen    int // bytes of the issuer field, marker included
	}{
		{"serial and issuer found again", func(c *Cert) {}, false, 1 + issuerPrefixLen},
		{"serial unlike the DER's is kept", func(c *Cert) { c.Serial = []byte{1, 2, 3} }, true, 1 + issuerPrefixLen},
		{"issuer not in the bucket", func(c *Cert) { c.IssuerID = strings.Repeat("ab", 32) }, false, 33},
		{"issuer sharing its prefix", func(c *Cert) { c.IssuerID = other.auth.ID }, false, 33},
		{"self-signed", func(c *Cert) { c.IssuerID = "" }, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := *c
			c.Status, c.Reason = CertValid, NoReason
			tt.mutate(&c)
			err := s.view(func(tx ReadTx) error {
				b := newIssuers(tx)
				v := encodeCert(&c, b)
				d := &certDecoder{b: v[1:]}
				if serial := d.bytes(); (serial != nil) != tt.serialStored {
					t.Errorf("serial field = %x; stored want %v", serial, tt.serialStored)
				}
				d.bytes()
				if issuer := d.bytes(); len(issuer) != tt.issuerLen {
					t.Errorf("issuer field %x: %d bytes, want %d", issuer, len(issuer), tt.issuerLen)
				}
				got, err := decodeCert(v, b)
				if err != nil {
					return err
				}
				if diff := diffCert(got, &c); diff != "" {
					t.Errorf("round trip: %s", diff)
				}
				if tt.issuerLen == 1+issuerPrefixLen {
					if _, err := decodeCert(v, nil); !errors.Is(err, ErrCorrupt) {
						t.Errorf("a shortened issuer decoded without the bucket: %v", err)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("version 1", func(t *testing.T) {
		v1 := []byte{1}
		v1 = appendBytes(v1, c.Serial)
		v1 = appendBytes(v1, c.DER)
		v1 = appendBytes(v1, packHex(c.IssuerID))
		v1 = appendBytes(v1, c.KeyFingerprint)
		v1 = appendBytes(v1, nil)
		v1 = appendBytes(v1, []byte(c.Profile))
		v1 = appendBytes(v1, []byte(strings.Join(c.Names, "\x00")))
		v1 = binary.AppendVarint(v1, c.NotAfter.Unix())
		v1 = append(v1, 0)
		got, err := decodeCert(v1, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := *c
		want.Status, want.Reason = CertValid, NoReason
		if diff := diffCert(got, &want); diff != "" {
			t.Errorf("version 1 record: %s", diff)
		}
	})
}
