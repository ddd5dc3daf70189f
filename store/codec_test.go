package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
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
	resolvers := []struct {
		name string
		r    issuerResolver
	}{{"as it is", nil}, {"coded against its issuer", newOneIssuer(ca)}}
	for _, tt := range tests {
		for _, r := range resolvers {
			t.Run(tt.name+", "+r.name, func(t *testing.T) {
				c := *base
				c.Status, c.Reason = CertValid, NoReason
				tt.mutate(&c)
				got, err := decodeCert(encodeCert(&c, r.r), r.r)
				if err != nil {
					t.Fatalf("decodeCert: %v", err)
				}
				if d := diffCert(got, &c); d != "" {
					t.Errorf("round trip: %s", d)
				}
			})
		}
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
	// A fixed issuer, so that the corpus stays meaningful from run to run:
	// a record coded against it (version 3) finds its dictionary.
	issuer := issuerOf([]byte("0\x82\x01\xf1 an issuer's certificate"))
	f.Add([]byte{})
	f.Add([]byte{certCodecVersion})
	f.Add(encodeCert(&Cert{Serial: []byte{1}, DER: []byte{0x30, 0}, NotAfter: testNow}, nil))
	f.Add(encodeCert(&Cert{Serial: []byte{1, 2}, DER: []byte{0x30, 0}, IssuerID: "abc", KeyFingerprint: []byte{9},
		CSRID: []byte{8}, Profile: "server", Names: []string{"a.test", "b.test"}, NotAfter: testNow,
		Status: CertRevoked, RevokedAt: testNow, Reason: NoReason}, nil))
	f.Add(encodeCert(&Cert{Serial: []byte{1}, DER: []byte("0\x82\x01\xf1 an issuer's certificate, and a leaf's"),
		IssuerID: issuer.id, Names: []string{"a.test"}, NotAfter: testNow}, issuer))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeCert(b, issuer)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) || c != nil {
				t.Fatalf("decodeCert = %+v, %v; want nil and ErrCorrupt", c, err)
			}
			return
		}
		again, err := decodeCert(encodeCert(c, issuer), issuer)
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

// TestDecodeCertOwnsItsFields checks that a decoded certificate shares no
// byte with the record it came from (bbolt's values die with their
// transaction, and a page may be reused), nor its byte fields with one
// another: they are carved from one allocation.
func TestDecodeCertOwnsItsFields(t *testing.T) {
	ca := newTestCA(t, "Root")
	base := ca.issue(t, nil, testNow.AddDate(0, 1, 0), "a.test", "b.test")
	tests := []struct {
		name   string
		mutate func(c *Cert)
	}{
		{"serial from the DER, two names", func(c *Cert) {}},
		{"serial spelt out, one name, CSR id", func(c *Cert) {
			c.Serial, c.Names, c.CSRID = []byte{0x42, 1, 2}, []string{"only.test"}, []byte("csr-id")
		}},
		{"revoked, no names", func(c *Cert) { c.Names, c.Status, c.RevokedAt, c.Reason = nil, CertRevoked, testNow, 1 }},
	}
	for _, tt := range tests {
		for _, r := range []issuerResolver{nil, newOneIssuer(ca)} {
			t.Run(fmt.Sprintf("%s, coded %v", tt.name, r != nil), func(t *testing.T) {
				want := *base
				want.Status, want.Reason = CertValid, NoReason
				tt.mutate(&want)
				v := encodeCert(&want, r)
				if coded := v[0] == certCodedVersion; coded != (r != nil) {
					t.Fatalf("record version %d", v[0])
				}
				got, err := decodeCert(v, r)
				if err != nil {
					t.Fatal(err)
				}
				for i := range v {
					v[i] = 0xaa
				}
				if d := diffCert(got, &want); d != "" {
					t.Fatalf("after the record changed: %s", d)
				}
				// An append to one byte field must not write into the next.
				der := bytes.Clone(got.DER)
				_ = append(got.Serial, 0xbb, 0xbb, 0xbb)
				_ = append(got.DER, 0xbb)
				_ = append(got.KeyFingerprint, 0xbb)
				if !bytes.Equal(got.DER, der) {
					t.Errorf("DER changed by an append to Serial")
				}
				if d := diffCert(got, &want); d != "" {
					t.Errorf("after appends to its fields: %s", d)
				}
			})
		}
	}
}

// TestDerSerial checks derSerial against math/big, which x509 reads
// serials with: the magnitude without leading zeros, negatives by their
// two's complement, non-minimal encodings refused.
func TestDerSerial(t *testing.T) {
	tests := []struct {
		name    string
		content []byte // the INTEGER's content octets
		noVer   bool   // no [0] version before the serial
		want    []byte
		ok      bool
	}{
		{"one byte", []byte{0x01}, false, []byte{0x01}, true},
		{"largest one-byte positive", []byte{0x7f}, false, []byte{0x7f}, true},
		{"leading zero before a high bit", []byte{0x00, 0x80}, false, []byte{0x80}, true},
		{"sixteen bytes, high bit", append([]byte{0}, bytes.Repeat([]byte{0xfe}, 16)...), false, bytes.Repeat([]byte{0xfe}, 16), true},
		{"several bytes", []byte{0x12, 0x34, 0x56}, false, []byte{0x12, 0x34, 0x56}, true},
		{"no version field", []byte{0x05, 0x06}, true, []byte{0x05, 0x06}, true},
		{"zero", []byte{0x00}, false, []byte{}, true},
		{"minus one", []byte{0xff}, false, []byte{0x01}, true},
		{"minus 128", []byte{0x80}, false, []byte{0x80}, true},
		{"minus 129", []byte{0xff, 0x7f}, false, []byte{0x81}, true},
		{"minus 32768", []byte{0x80, 0x00}, false, []byte{0x80, 0x00}, true},
		{"minus 256", []byte{0xff, 0x00}, false, []byte{0x01, 0x00}, true},
		{"empty", []byte{}, false, nil, false},
		{"non-minimal zero padding", []byte{0x00, 0x01}, false, nil, false},
		{"non-minimal sign padding", []byte{0xff, 0x80}, false, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b cryptobyte.Builder
			b.AddASN1(asn1.SEQUENCE, func(cert *cryptobyte.Builder) {
				cert.AddASN1(asn1.SEQUENCE, func(tbs *cryptobyte.Builder) {
					if !tt.noVer {
						tbs.AddASN1(asn1.Tag(0).Constructed().ContextSpecific(), func(v *cryptobyte.Builder) { v.AddASN1Int64(2) })
					}
					tbs.AddASN1(asn1.INTEGER, func(i *cryptobyte.Builder) { i.AddBytes(tt.content) })
					tbs.AddASN1(asn1.SEQUENCE, func(*cryptobyte.Builder) {}) // the signature algorithm, unread
				})
			})
			der := b.BytesOrPanic()
			got, ok := derSerial(der)
			if ok != tt.ok || !bytes.Equal(got, tt.want) || (ok && got == nil) {
				t.Fatalf("derSerial = %x, %v; want %x, %v", got, ok, tt.want, tt.ok)
			}
			// What x509 would say: math/big's reading of the same INTEGER.
			in := cryptobyte.String(der)
			var cert, tbs cryptobyte.String
			in.ReadASN1(&cert, asn1.SEQUENCE)
			cert.ReadASN1(&tbs, asn1.SEQUENCE)
			tbs.SkipOptionalASN1(asn1.Tag(0).Constructed().ContextSpecific())
			n := new(big.Int)
			if bigOK := tbs.ReadASN1Integer(n); bigOK != ok || (ok && !bytes.Equal(n.Bytes(), got)) {
				t.Errorf("math/big reads %x, %v", n.Bytes(), bigOK)
			}
		})
	}
}
