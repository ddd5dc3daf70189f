package netdemo

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/localca/localca/internal/logsafe"
)

// RevocationChecker decides whether a verified certificate is revoked.
//
// Check is called on every handshake, resumed sessions included, so it must
// be fast (a lookup in state held in memory, never a fetch or a parse) and
// safe for concurrent use. It returns nil for a good certificate, an error
// wrapping ErrRevoked for a revoked one, and an error wrapping
// ErrRevocationUnknown when the status cannot be established and the checker
// fails closed.
type RevocationChecker interface {
	Check(leaf *x509.Certificate) error
}

// DefaultCRLRefresh is how often a CRLChecker fetches the CRL when Refresh
// is zero. A certificate revoked at the CA is refused by a running server at
// most this long (plus the CA's own CRL publication delay) later.
const DefaultCRLRefresh = time.Minute

// CRLChecker is a RevocationChecker backed by the CA's CRL(s).
//
// It fetches the CRL with Fetch, verifies its signature against one of
// Issuers, and keeps the revoked serials of each issuer in a map that Check
// consults: the hot path is one atomic load and two map lookups. A background
// goroutine started by Start refetches every Refresh interval, or sooner when
// the CRL's nextUpdate comes first, until Close or the context ends. A CRL
// older (lower CRL number) than the one held is refused, so a replayed CRL
// cannot un-revoke anyone.
//
// Fail-closed is the default: while no valid CRL for the certificate's issuer
// is held (never fetched, or its nextUpdate has passed), Check refuses with an
// error wrapping ErrRevocationUnknown that says so. FailOpen accepts instead;
// it keeps a demo running through a CA outage at the cost of accepting a
// revoked certificate in that window.
//
// Set the fields before Start; do not change them after.
type CRLChecker struct {
	// Fetch returns the current CRL(s): one DER CRL, or PEM holding one or
	// more "X509 CRL" blocks (one per issuer). Required.
	Fetch func(ctx context.Context) ([]byte, error)
	// Issuers are the CA certificates whose CRLs are accepted (typically the
	// intermediate that signs leaves, and the root). Required.
	Issuers []*x509.Certificate
	// Roots and Intermediates let a CRL be signed by a CA certificate that
	// is not among Issuers: an intermediate of Intermediates (the chain of
	// the demo's own certificate, say) whose chain up to Roots verifies and
	// which may sign CRLs. So `--ca root.pem --crl inter.crl` accepts the
	// intermediate's CRL, verified up the same chain that peers' leaves are.
	Roots         *x509.CertPool
	Intermediates []*x509.Certificate
	// Refresh is the refetch interval; zero means DefaultCRLRefresh.
	Refresh time.Duration
	// FailOpen accepts certificates whose revocation status is unknown.
	FailOpen bool
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Log, if not nil, receives one line per refresh failure.
	Log io.Writer

	state  atomic.Pointer[crlState]
	mu     sync.Mutex // serialises Update and guards cancel/done
	cancel context.CancelFunc
	done   chan struct{}
}

// crlState is an immutable snapshot: a new fetch builds a new one and swaps it in.
type crlState struct {
	byIssuer map[string]*issuerCRL // key: issuer's raw subject
}

type issuerCRL struct {
	number     *big.Int
	thisUpdate time.Time
	nextUpdate time.Time
	revoked    map[string]time.Time // key: serial bytes; value: revocation time
}

func (c *CRLChecker) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *CRLChecker) refresh() time.Duration {
	if c.Refresh > 0 {
		return c.Refresh
	}
	return DefaultCRLRefresh
}

// Check implements RevocationChecker.
func (c *CRLChecker) Check(leaf *x509.Certificate) error {
	st := c.state.Load()
	var crl *issuerCRL
	if st != nil {
		crl = st.byIssuer[string(leaf.RawIssuer)]
	}
	now := c.now()
	switch {
	case crl == nil:
		if c.FailOpen {
			return nil
		}
		return fmt.Errorf("%w: no CRL held for issuer %q of %s (failing closed)", ErrRevocationUnknown, issuerName(leaf), describeCert(leaf))
	case !crl.nextUpdate.IsZero() && now.After(crl.nextUpdate):
		if c.FailOpen {
			return nil
		}
		return fmt.Errorf("%w: CRL of %q expired at %s, no fresher one fetched (failing closed) for %s",
			ErrRevocationUnknown, issuerName(leaf), crl.nextUpdate.UTC().Format(time.RFC3339), describeCert(leaf))
	}
	if at, ok := crl.revoked[string(leaf.SerialNumber.Bytes())]; ok {
		return fmt.Errorf("%w: %s revoked at %s (CRL number %s)", ErrRevoked, describeCert(leaf), at.UTC().Format(time.RFC3339), crl.number)
	}
	return nil
}

func issuerName(c *x509.Certificate) string { return c.Issuer.String() }

// Start fetches the CRL once, then keeps refreshing it in the background
// until ctx ends or Close is called. The first fetch's error is returned (the
// refresher runs anyway, so a CA that comes up later is picked up).
func (c *CRLChecker) Start(ctx context.Context) error {
	if c.Fetch == nil || len(c.Issuers) == 0 {
		return fmt.Errorf("%w: CRLChecker needs Fetch and Issuers", ErrBadCRL)
	}
	c.mu.Lock()
	if c.cancel != nil {
		c.mu.Unlock()
		return errors.New("netdemo: CRLChecker already started")
	}
	ctx, c.cancel = context.WithCancel(ctx)
	c.done = make(chan struct{})
	c.mu.Unlock()
	err := c.Update(ctx)
	go c.loop(ctx)
	return err
}

// Close stops the background refresher and waits for it. It is safe to call
// more than once, and on a checker never started.
func (c *CRLChecker) Close() error {
	c.mu.Lock()
	cancel, done := c.cancel, c.done
	c.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return nil
}

func (c *CRLChecker) loop(ctx context.Context) {
	defer close(c.done)
	for {
		wait := c.refresh()
		if st := c.state.Load(); st != nil {
			for _, crl := range st.byIssuer {
				if d := crl.nextUpdate.Sub(c.now()); !crl.nextUpdate.IsZero() && d > 0 && d < wait {
					wait = d
				}
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if err := c.Update(ctx); err != nil && c.Log != nil && ctx.Err() == nil {
			fmt.Fprintf(logsafe.NewWriter(c.Log), "%v (keeping the CRL held; retry in %s)\n", err, c.refresh())
		}
	}
}

// Update fetches, verifies and installs the CRL(s) now. On error the state
// held before stays in use.
func (c *CRLChecker) Update(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	data, err := c.Fetch(ctx)
	if err != nil {
		return fmt.Errorf("netdemo: fetching CRL: %w", err)
	}
	crls, err := parseCRLs(data)
	if err != nil {
		return err
	}
	next := &crlState{byIssuer: map[string]*issuerCRL{}}
	if old := c.state.Load(); old != nil {
		for k, v := range old.byIssuer {
			next.byIssuer[k] = v
		}
	}
	for _, rl := range crls {
		key, entry, err := c.verifyCRL(rl)
		if err != nil {
			return err
		}
		if held := next.byIssuer[key]; held != nil && held.number != nil && entry.number != nil && entry.number.Cmp(held.number) < 0 {
			return fmt.Errorf("%w: CRL number %s from %q is older than the held number %s", ErrBadCRL, entry.number, rl.Issuer, held.number)
		}
		next.byIssuer[key] = entry
	}
	c.state.Store(next)
	return nil
}

func parseCRLs(data []byte) ([]*x509.RevocationList, error) {
	var ders [][]byte
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "X509 CRL" {
			ders = append(ders, b.Bytes)
		}
	}
	if len(ders) == 0 {
		ders = [][]byte{data} // not PEM: DER
	}
	out := make([]*x509.RevocationList, 0, len(ders))
	for _, der := range ders {
		rl, err := x509.ParseRevocationList(der)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadCRL, err)
		}
		out = append(out, rl)
	}
	return out, nil
}

// signers are the CA certificates a CRL may be signed by: Issuers, then
// those of Intermediates that chain up to Roots and may sign CRLs.
func (c *CRLChecker) signers(rawIssuer []byte) []*x509.Certificate {
	out := append([]*x509.Certificate(nil), c.Issuers...)
	if c.Roots == nil {
		return out
	}
	pool := x509.NewCertPool()
	for _, ic := range c.Intermediates {
		pool.AddCert(ic)
	}
	for _, ic := range c.Intermediates {
		if string(ic.RawSubject) != string(rawIssuer) || !ic.IsCA || ic.KeyUsage != 0 && ic.KeyUsage&x509.KeyUsageCRLSign == 0 {
			continue
		}
		if _, err := ic.Verify(x509.VerifyOptions{Roots: c.Roots, Intermediates: pool, CurrentTime: c.now(),
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil {
			out = append(out, ic)
		}
	}
	return out
}

func (c *CRLChecker) verifyCRL(rl *x509.RevocationList) (string, *issuerCRL, error) {
	var lastErr error
	for _, iss := range c.signers(rl.RawIssuer) {
		if string(iss.RawSubject) != string(rl.RawIssuer) {
			continue
		}
		if err := rl.CheckSignatureFrom(iss); err != nil {
			lastErr = err
			continue
		}
		e := &issuerCRL{number: rl.Number, thisUpdate: rl.ThisUpdate, nextUpdate: rl.NextUpdate,
			revoked: make(map[string]time.Time, len(rl.RevokedCertificateEntries))}
		for _, r := range rl.RevokedCertificateEntries {
			e.revoked[string(r.SerialNumber.Bytes())] = r.RevocationTime
		}
		return string(iss.RawSubject), e, nil
	}
	if lastErr != nil {
		return "", nil, fmt.Errorf("%w: CRL of %q: signature: %w", ErrBadCRL, rl.Issuer, lastErr)
	}
	return "", nil, fmt.Errorf("%w: CRL issued by %q, which is not a configured issuer", ErrBadCRL, rl.Issuer)
}
