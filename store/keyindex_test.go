package store

import (
	"bytes"
	"testing"
)

// TestKeyIndexSharedPrefix: the certs_by_key index keeps 8 bytes of a
// fingerprint, so two keys that share them must still be told apart, by
// listing and by revocation.
func TestKeyIndexSharedPrefix(t *testing.T) {
	s := openTest(t, nil)
	ca := newTestCA(t, "Root")
	a, b := newTestCert(t, ca, "a.test"), newTestCert(t, ca, "b.test")
	// b's fingerprint: a's first 8 bytes, then different ones.
	b.KeyFingerprint = append(bytes.Clone(a.KeyFingerprint[:8]), bytes.Repeat([]byte{0xee}, 24)...)
	mustCommit(t, s, Record{Cert: a})
	mustCommit(t, s, Record{Cert: b})

	for _, c := range []*Cert{a, b} {
		got, err := s.ListCerts(Filter{KeyFingerprint: c.KeyFingerprint, Now: testNow})
		if err != nil || len(got) != 1 || !bytes.Equal(got[0].Serial, c.Serial) {
			t.Fatalf("ListCerts by the key of %s: %v, %v; want only it", c.Names[0], serialsOf(got), err)
		}
	}
	revoked, err := s.RevokeKey(&Key{Fingerprint: b.KeyFingerprint, Algorithm: "ecdsa", Size: 256}, testNow)
	if err != nil || len(revoked) != 1 || !bytes.Equal(revoked[0].Serial, b.Serial) {
		t.Fatalf("RevokeKey(b) revoked %v, %v; want b's certificate only", serialsOf(revoked), err)
	}
	if got, err := s.Cert(a.Serial); err != nil || got.Status != CertValid {
		t.Fatalf("a's certificate after revoking b's key: %+v, %v; want valid", got, err)
	}
}

func newTestCert(t *testing.T, ca *testCA, name string) *Cert {
	t.Helper()
	return ca.issue(t, newTestKey(t), testNow.AddDate(0, 1, 0), name)
}
