package store

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestRevokeCert(t *testing.T) {
	ca := newTestCA(t, "Root")
	at := testNow.Add(-90 * time.Minute).Add(123456789 * time.Nanosecond)
	tests := []struct {
		name   string
		at     time.Time
		reason int
		want   time.Time
	}{
		{"unspecified", at, 0, at},
		{"key compromise", at, 1, at},
		{"superseded", at.In(time.FixedZone("X", 3600)), 4, at},
		{"no reason", at, NoReason, at},
		{"zero time means now", time.Time{}, 5, testNow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, nil)
			c := ca.issue(t, nil, testNow.AddDate(0, 1, 0), "a.test")
			mustCommit(t, s, Record{Cert: c})
			got, err := s.RevokeCert(c.Serial, tt.at, tt.reason)
			if err != nil {
				t.Fatalf("RevokeCert: %v", err)
			}
			stored, err := s.Cert(c.Serial)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []*Cert{got, stored} {
				if r.Status != CertRevoked || r.Reason != tt.reason || !r.RevokedAt.Equal(tt.want) {
					t.Errorf("record = %s at %s reason %d, want revoked at %s reason %d",
						r.Status, r.RevokedAt, r.Reason, tt.want, tt.reason)
				}
			}
			if stored.StatusAt(testNow) != CertRevoked || stored.StatusAt(testNow.AddDate(1, 0, 0)) != CertRevoked {
				t.Errorf("a revoked certificate must read revoked before and after it expires")
			}

			// A second revocation changes nothing and says when the first was.
			before := takeSnapshot(t, s)
			again, err := s.RevokeCert(c.Serial, testNow, 3)
			if !errors.Is(err, ErrAlreadyRevoked) {
				t.Fatalf("second RevokeCert: err = %v, want ErrAlreadyRevoked", err)
			}
			if again == nil || again.Reason != tt.reason || !again.RevokedAt.Equal(tt.want) {
				t.Errorf("second RevokeCert returned %+v, want the first revocation", again)
			}
			before.assertSame(t, takeSnapshot(t, s))
		})
	}
}

func TestRevokeCertUnknown(t *testing.T) {
	s := openTest(t, nil)
	before := takeSnapshot(t, s)
	if _, err := s.RevokeCert([]byte{0x01, 0x02}, testNow, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("RevokeCert(unknown) err = %v, want ErrNotFound", err)
	}
	before.assertSame(t, takeSnapshot(t, s))
}

func TestRevokeKey(t *testing.T) {
	s := openTest(t, nil)
	ca := newTestCA(t, "Root")
	k, other := newTestKey(t), newTestKey(t)
	mustCommit(t, s, Record{Key: k.key()})
	valid1 := ca.issue(t, k, testNow.AddDate(0, 1, 0), "a.test")
	valid2 := ca.issue(t, k, testNow.AddDate(0, 2, 0), "b.test")
	expired := ca.issue(t, k, testNow.Add(-time.Hour), "old.test")
	superseded := ca.issue(t, k, testNow.AddDate(0, 1, 0), "c.test")
	others := ca.issue(t, other, testNow.AddDate(0, 1, 0), "a.test")
	for _, c := range []*Cert{valid1, valid2, expired, superseded, others} {
		mustCommit(t, s, Record{Cert: c})
	}
	earlier := testNow.Add(-time.Hour)
	if _, err := s.RevokeCert(superseded.Serial, earlier, 4); err != nil {
		t.Fatal(err)
	}

	at := testNow.Add(time.Minute)
	revoked, err := s.RevokeKey(k.key(), at)
	if err != nil {
		t.Fatalf("RevokeKey: %v", err)
	}
	want := serialsOf([]*Cert{valid1, valid2, expired})
	if got := serialsOf(revoked); !slices.Equal(got, want) {
		t.Errorf("RevokeKey revoked %q, want %q", got, want)
	}
	checks := []struct {
		c      *Cert
		status string
		reason int
		at     time.Time
	}{
		{valid1, CertRevoked, reasonKeyCompromise, at},
		{valid2, CertRevoked, reasonKeyCompromise, at},
		{expired, CertRevoked, reasonKeyCompromise, at},
		{superseded, CertRevoked, 4, earlier},
		{others, CertValid, NoReason, time.Time{}},
	}
	for _, ck := range checks {
		got, err := s.Cert(ck.c.Serial)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != ck.status || got.Reason != ck.reason || !got.RevokedAt.Equal(ck.at) {
			t.Errorf("%v: %s reason %d at %s, want %s reason %d at %s", ck.c.Names,
				got.Status, got.Reason, got.RevokedAt, ck.status, ck.reason, ck.at)
		}
	}
	key, err := s.Key(k.fp())
	if err != nil {
		t.Fatal(err)
	}
	if key.Status != KeyCompromised || !key.RevokedAt.Equal(at) {
		t.Errorf("key = %s at %s, want compromised at %s", key.Status, key.RevokedAt, at)
	}

	before := takeSnapshot(t, s)
	if got, err := s.RevokeKey(k.key(), testNow); !errors.Is(err, ErrAlreadyRevoked) || got != nil {
		t.Errorf("second RevokeKey = %d certs, %v; want none and ErrAlreadyRevoked", len(got), err)
	}
	before.assertSame(t, takeSnapshot(t, s))
}

func TestRevokeKeyUnknown(t *testing.T) {
	s := openTest(t, nil)
	k := newTestKey(t)
	rec := k.key()
	rec.PEM = []byte("private material the store must not keep for a compromised key")
	revoked, err := s.RevokeKey(rec, time.Time{})
	if err != nil || len(revoked) != 0 {
		t.Fatalf("RevokeKey(unknown) = %d certs, %v; want none, nil", len(revoked), err)
	}
	got, err := s.Key(k.fp())
	if err != nil {
		t.Fatalf("Key: %v", err)
	}
	if got.Status != KeyCompromised || got.Algorithm != "ecdsa" || got.Size != 256 ||
		len(got.PEM) != 0 || !got.RevokedAt.Equal(testNow) {
		t.Errorf("recorded key = %+v, want compromised ecdsa/256 without PEM, revoked now", got)
	}
	if _, err := s.RevokeKey(&Key{}, testNow); err == nil {
		t.Errorf("RevokeKey without a fingerprint succeeded")
	}
}

func TestRejectCSR(t *testing.T) {
	tests := []struct {
		name     string
		stored   bool   // the CSR was committed first
		signed   bool   // ... and signed
		arg      string // "id" or "der": what RejectCSR is given
		wantErr  error
		stateNow string // the CSR's status afterwards ("" = not stored)
	}{
		{"known pending by id", true, false, "id", nil, CSRRejected},
		{"known signed by id", true, true, "id", nil, CSRRejected},
		{"unknown with DER", false, false, "der", nil, CSRRejected},
		{"unknown id only", false, false, "id", ErrNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, nil)
			k := newTestKey(t)
			csr := newTestCSR(t, k, "a.test")
			if tt.stored {
				r := Record{Key: k.key(), CSR: csr}
				if tt.signed {
					r.Cert = newTestCA(t, "Root").issue(t, k, testNow.AddDate(0, 1, 0), "a.test")
				}
				mustCommit(t, s, r)
			}
			arg := &CSR{ID: csr.ID}
			if tt.arg == "der" {
				c := *csr
				arg = &c
			}
			err := s.RejectCSR(arg)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("RejectCSR: err = %v, want %v", err, tt.wantErr)
			}
			got, err := s.CSR(csr.ID)
			if tt.stateNow == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("CSR after a refused rejection: %+v, %v; want ErrNotFound", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.stateNow || string(got.DER) != string(csr.DER) {
				t.Errorf("CSR status %q, want %q with its DER", got.Status, tt.stateNow)
			}
			before := takeSnapshot(t, s)
			if err := s.RejectCSR(&CSR{ID: csr.ID}); !errors.Is(err, ErrAlreadyRevoked) {
				t.Errorf("second RejectCSR: err = %v, want ErrAlreadyRevoked", err)
			}
			before.assertSame(t, takeSnapshot(t, s))
		})
	}
}
