package store

import (
	"errors"
	"testing"
	"time"
)

// TestRevokeAuthority: a revoked intermediate is on its root's CRL (with its
// time and reason, until it expires) and on no other; a root cannot be
// revoked; a second revocation is refused and changes nothing.
func TestRevokeAuthority(t *testing.T) {
	s := openTest(t, nil)
	root, inter := newTestCA(t, "Root"), newTestCA(t, "Inter")
	inter.auth.ParentID = root.auth.ID
	if err := s.InitCA(root.auth, inter.auth, false); err != nil {
		t.Fatal(err)
	}
	listed := func(issuer string, now time.Time) []*Cert {
		t.Helper()
		var got []*Cert
		if _, err := s.NextCRL(issuer, now, func(c *Cert) error { got = append(got, c); return nil }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := listed(root.auth.ID, testNow); len(got) != 0 {
		t.Fatalf("root CRL before any revocation: %d entries", len(got))
	}
	at := testNow.Add(-time.Minute)
	if _, err := s.RevokeAuthority(root.auth.ID, at, 2); !errors.Is(err, ErrRootNotRevocable) {
		t.Errorf("revoking the root: %v", err)
	}
	a, err := s.RevokeAuthority(inter.auth.ID, at, 2)
	if err != nil || !a.RevokedAt.Equal(at) || a.Reason != 2 {
		t.Fatalf("RevokeAuthority = %+v, %v", a, err)
	}
	got := listed(root.auth.ID, testNow)
	if len(got) != 1 {
		t.Fatalf("root CRL after revoking the intermediate: %+v", got)
	}
	if e := got[0]; e.Reason != 2 || !e.RevokedAt.Equal(at) || e.Status != CertRevoked || string(e.Serial) != string(inter.cert.SerialNumber.Bytes()) {
		t.Errorf("root CRL entry %+v", e)
	}
	if got := listed(inter.auth.ID, testNow); len(got) != 0 {
		t.Errorf("the intermediate's own CRL lists %d entries", len(got))
	}
	if got := listed(root.auth.ID, inter.cert.NotAfter.Add(time.Second)); len(got) != 0 {
		t.Errorf("an expired intermediate is still listed: %+v", got)
	}
	before := takeSnapshot(t, s)
	if _, err := s.RevokeAuthority(inter.auth.ID, testNow, 1); !errors.Is(err, ErrAlreadyRevoked) {
		t.Errorf("second revocation: %v", err)
	}
	before.assertSame(t, takeSnapshot(t, s))
	if _, stored, err := s.CA(); err != nil || !stored.RevokedAt.Equal(at) {
		t.Errorf("the stored intermediate: %+v, %v", stored, err)
	}
}
