package store

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// noEntries is a NextCRL callback for tests that want only the number.
func noEntries(*Cert) error { return nil }

// TestNextCRL: one call spends one number and lists exactly the issuer's
// revoked, unexpired certificates; an error from the callback rolls the
// number back and is returned.
func TestNextCRL(t *testing.T) {
	s := openTest(t, nil)
	_, inter := initCA(t, s, false)
	other := newTestCA(t, "Other")
	revoked := inter.issue(t, nil, testNow.AddDate(0, 1, 0), "revoked.test")
	valid := inter.issue(t, nil, testNow.AddDate(0, 1, 0), "valid.test")
	expired := inter.issue(t, nil, testNow.Add(-time.Minute), "expired.test")
	foreign := other.issue(t, nil, testNow.AddDate(0, 1, 0), "foreign.test")
	for _, c := range []*Cert{revoked, valid, expired, foreign} {
		mustCommit(t, s, Record{Cert: c})
	}
	for _, c := range []*Cert{revoked, expired, foreign} {
		if _, err := s.RevokeCert(c.Serial, testNow, 1); err != nil {
			t.Fatal(err)
		}
	}
	list := func() (uint64, []string, error) {
		var got []string
		n, err := s.NextCRL(inter.auth.ID, testNow, func(c *Cert) error {
			got = append(got, c.SerialHex())
			return nil
		})
		return n, got, err
	}
	n1, got, err := list()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{revoked.SerialHex()}; !slices.Equal(got, want) {
		t.Errorf("NextCRL lists %q, want %q", got, want)
	}
	stop := errors.New("stop")
	if _, err := s.NextCRL(inter.auth.ID, testNow, func(*Cert) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("NextCRL with a failing callback: %v, want its error", err)
	}
	if n2, _, err := list(); err != nil || n2 != n1+1 {
		t.Errorf("after a failed NextCRL the number went from %d to %d (%v), want %d", n1, n2, err, n1+1)
	}
}
