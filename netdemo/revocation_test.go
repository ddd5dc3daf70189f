package netdemo

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// crlSource is a CA's CRL distribution point in memory.
type crlSource struct{ der atomic.Pointer[[]byte] }

func (s *crlSource) publish(der []byte) { s.der.Store(&der) }

func (s *crlSource) fetch(context.Context) ([]byte, error) {
	if p := s.der.Load(); p != nil {
		return *p, nil
	}
	return nil, errors.New("CA unreachable")
}

func TestCRLChecker(t *testing.T) {
	pki := testkit.NewPKI(t, "Test")
	good := pki.Client(t, "good")
	bad := pki.Client(t, "bad")
	other := testkit.NewPKI(t, "Other")

	tests := []struct {
		name     string
		crl      func() []byte // nil: the CA never answers
		failOpen bool
		now      time.Time
		leaf     *x509.Certificate
		want     error
	}{
		{name: "good", crl: func() []byte { return pki.CRL(t, time.Hour, bad.Leaf) }, leaf: good.Leaf},
		{name: "revoked", crl: func() []byte { return pki.CRL(t, time.Hour, bad.Leaf) }, leaf: bad.Leaf, want: ErrRevoked},
		{name: "no CRL fails closed", leaf: good.Leaf, want: ErrRevocationUnknown},
		{name: "no CRL fails open", failOpen: true, leaf: good.Leaf},
		{name: "expired CRL fails closed", crl: func() []byte { return pki.CRL(t, time.Hour) },
			now: time.Now().Add(2 * time.Hour), leaf: good.Leaf, want: ErrRevocationUnknown},
		{name: "expired CRL fails open", crl: func() []byte { return pki.CRL(t, time.Hour) }, failOpen: true,
			now: time.Now().Add(2 * time.Hour), leaf: good.Leaf},
		{name: "issuer not covered", crl: func() []byte { return pki.CRL(t, time.Hour) },
			leaf: other.Client(t, "x").Leaf, want: ErrRevocationUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &crlSource{}
			if tt.crl != nil {
				src.publish(tt.crl())
			}
			c := &CRLChecker{Fetch: src.fetch, Issuers: []*x509.Certificate{pki.Inter, pki.Root}, FailOpen: tt.failOpen}
			if !tt.now.IsZero() {
				c.Now = func() time.Time { return tt.now }
			}
			err := c.Start(testCtx(t, 5*time.Second))
			t.Cleanup(func() { c.Close() })
			if (err != nil) != (tt.crl == nil) {
				t.Fatalf("Start = %v", err)
			}
			err = c.Check(tt.leaf)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Check = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCRLCheckerRefusesBadCRLs(t *testing.T) {
	pki := testkit.NewPKI(t, "Test")
	other := testkit.NewPKI(t, "Other")
	src := &crlSource{}
	c := &CRLChecker{Fetch: src.fetch, Issuers: []*x509.Certificate{pki.Inter}}
	ctx := testCtx(t, 5*time.Second)

	src.publish(other.CRL(t, time.Hour))
	if err := c.Update(ctx); !errors.Is(err, ErrBadCRL) {
		t.Fatalf("CRL of another CA: %v, want ErrBadCRL", err)
	}
	src.publish([]byte("not a CRL"))
	if err := c.Update(ctx); !errors.Is(err, ErrBadCRL) {
		t.Fatalf("garbage: %v, want ErrBadCRL", err)
	}
	// A forged CRL: the right issuer name, signed by another key.
	forged := pki.CRL(t, time.Hour)
	forged[len(forged)-5] ^= 0xff
	src.publish(forged)
	if err := c.Update(ctx); err == nil {
		t.Fatal("CRL with a broken signature accepted")
	}

	victim := pki.Client(t, "victim")
	newer := pki.CRL(t, time.Hour, victim.Leaf)
	src.publish(newer)
	if err := c.Update(ctx); err != nil {
		t.Fatal(err)
	}
	pki.CRLNumber -= 5
	replay := pki.CRL(t, time.Hour) // an older CRL number than "newer": a replay
	src.publish(replay)
	if err := c.Update(ctx); !errors.Is(err, ErrBadCRL) {
		t.Fatalf("rolled-back CRL: %v, want ErrBadCRL", err)
	}
	if err := c.Check(victim.Leaf); !errors.Is(err, ErrRevoked) {
		t.Fatalf("after a refused rollback the revocation must stand: %v", err)
	}
}

func TestCRLCheckerPEMBundle(t *testing.T) {
	pki := testkit.NewPKI(t, "Test")
	victim := pki.Client(t, "victim")
	bundle := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: pki.CRL(t, time.Hour, victim.Leaf)})
	src := &crlSource{}
	src.publish(bundle)
	c := &CRLChecker{Fetch: src.fetch, Issuers: []*x509.Certificate{pki.Inter}}
	if err := c.Update(testCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(victim.Leaf); !errors.Is(err, ErrRevoked) {
		t.Fatalf("Check = %v, want ErrRevoked", err)
	}
}

// TestCRLCheckerRefresh shows the background refresh: a revocation published
// at the CA is refused by the checker within a few Refresh intervals.
func TestCRLCheckerRefresh(t *testing.T) {
	pki := testkit.NewPKI(t, "Test")
	leaf := pki.Client(t, "soon-revoked")
	src := &crlSource{}
	src.publish(pki.CRL(t, time.Hour))
	c := &CRLChecker{Fetch: src.fetch, Issuers: []*x509.Certificate{pki.Inter}, Refresh: 20 * time.Millisecond}
	if err := c.Start(testCtx(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Check(leaf.Leaf); err != nil {
		t.Fatalf("before revocation: %v", err)
	}
	src.publish(pki.CRL(t, time.Hour, leaf.Leaf))
	waitUntil(t, 5*time.Second, func() bool { return errors.Is(c.Check(leaf.Leaf), ErrRevoked) })
}

// waitUntil polls cond (it has no channel to wait on) until it holds or the
// test fails after timeout.
func waitUntil(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
