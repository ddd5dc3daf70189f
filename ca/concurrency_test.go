package ca_test

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"math/big"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// TestIssueConcurrent issues from 64 goroutines released at once, so that
// the store's group commit puts many certificates in one transaction: every
// serial is unique, every certificate returned is in the store with the DER
// returned, and the store holds exactly as many more certificates as were
// issued.
func TestIssueConcurrent(t *testing.T) {
	const workers = 64
	c := newCA(t, "ecdsa-p256")
	before, err := c.Store().CountCerts()
	if err != nil {
		t.Fatal(err)
	}
	issued := make([]*ca.Issued, workers)
	errs := make([]error, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			<-start
			issued[i], errs[i] = c.Issue(ca.IssueRequest{Names: []string{fmt.Sprintf("w%d.concurrent.test", i)}})
		})
	}
	close(start)
	wg.Wait()

	seen := map[string]int{}
	for i, iss := range issued {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		serial := iss.Cert.SerialNumber.Text(16)
		if j, dup := seen[serial]; dup {
			t.Errorf("goroutines %d and %d got serial %s", j, i, serial)
		}
		seen[serial] = i
		rec, err := c.Store().Cert(iss.Cert.SerialNumber.Bytes())
		if err != nil {
			t.Errorf("goroutine %d: serial %s not in the store: %v", i, serial, err)
			continue
		}
		if !bytes.Equal(rec.DER, iss.Cert.Raw) {
			t.Errorf("goroutine %d: the stored DER of %s differs from the one returned", i, serial)
		}
	}
	after, err := c.Store().CountCerts()
	if err != nil {
		t.Fatal(err)
	}
	if after-before != workers {
		t.Errorf("the store gained %d certificates, %d were issued", after-before, workers)
	}
}

// madeCRL is one CRL and the order in which its CRL call returned.
type madeCRL struct {
	order int
	crl   *ca.CRL
}

// TestIssueRevokeCRLConcurrent issues, revokes and makes CRLs at once, then
// checks every CRL made during the run against the store: each entry is a
// certificate the store holds as revoked, with the same time and reason;
// CRL numbers are unique and increase in each generator's order; a CRL with
// a higher number never lists less than one with a lower number; and a CRL
// made after all revocations lists exactly the store's revoked, unexpired
// certificates, which are exactly those the test revoked.
func TestIssueRevokeCRLConcurrent(t *testing.T) {
	const (
		preIssued  = 48 // certificates the revokers revoke
		issuers    = 4
		perIssuer  = 8
		revokers   = 4
		generators = 3
		maxCRLs    = 40 // per generator: bounds the run whatever the speed
	)
	c := newCA(t, "ecdsa-p256")
	st := c.Store()
	var targets []*ca.Issued
	for i := range preIssued {
		iss, err := c.Issue(ca.IssueRequest{Names: []string{fmt.Sprintf("r%d.crl.test", i)}})
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, iss)
	}
	reasons := []int{store.NoReason, 0, 1, 3, 4, 5, 9}

	var (
		wg, writers sync.WaitGroup
		mu          sync.Mutex
		crls        []madeCRL
		failures    []error
	)
	fail := func(err error) {
		mu.Lock()
		failures = append(failures, err)
		mu.Unlock()
	}
	start := make(chan struct{})
	done := make(chan struct{})
	for g := range issuers {
		writers.Go(func() {
			<-start
			for i := range perIssuer {
				if _, err := c.Issue(ca.IssueRequest{Names: []string{fmt.Sprintf("i%d-%d.crl.test", g, i)}}); err != nil {
					fail(fmt.Errorf("issue: %w", err))
				}
			}
		})
	}
	for g := range revokers {
		writers.Go(func() {
			<-start
			for i := g; i < len(targets); i += revokers {
				serial := targets[i].Cert.SerialNumber.Bytes()
				if _, err := c.RevokeCert(serial, reasons[i%len(reasons)]); err != nil {
					fail(fmt.Errorf("revoke %x: %w", serial, err))
				}
			}
		})
	}
	for range generators {
		wg.Go(func() {
			<-start
			last := uint64(0)
			for range maxCRLs {
				l, err := c.CRL(ca.CRLOptions{})
				if err != nil {
					fail(fmt.Errorf("CRL: %w", err))
					return
				}
				if l.Number <= last {
					fail(fmt.Errorf("one generator got CRL number %d after %d", l.Number, last))
				}
				last = l.Number
				mu.Lock()
				crls = append(crls, madeCRL{order: len(crls), crl: l})
				mu.Unlock()
				select {
				case <-done:
					return
				default:
				}
			}
		})
	}
	close(start)
	writers.Wait()
	close(done)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d operations failed, the first: %v", len(failures), failures[0])
	}

	final, err := c.CRL(ca.CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	crls = append(crls, madeCRL{order: len(crls), crl: final})
	t.Logf("%d CRLs made during the run", len(crls)-1)

	// The store's revoked, unexpired set, and the test's own record of it.
	want := map[string]*store.Cert{}
	if err := st.RevokedCerts(c.IntermediateID(), time.Now(), func(rc *store.Cert) error {
		want[new(big.Int).SetBytes(rc.Serial).Text(16)] = rc
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(want) != preIssued {
		t.Errorf("the store lists %d revoked certificates, the test revoked %d", len(want), preIssued)
	}
	for _, iss := range targets {
		if _, ok := want[iss.Cert.SerialNumber.Text(16)]; !ok {
			t.Errorf("revoked %x is not revoked in the store", iss.Cert.SerialNumber)
		}
	}

	sort.Slice(crls, func(i, j int) bool { return crls[i].crl.Number < crls[j].crl.Number })
	var prev map[string]bool
	var prevNumber uint64
	for _, m := range crls {
		if m.crl.Number == prevNumber {
			t.Errorf("two CRLs carry number %d", prevNumber)
		}
		entries := checkCRLAgainstStore(t, c, st, m.crl)
		for s := range prev {
			if !entries[s] {
				t.Errorf("CRL %d (made %dth) drops %s, which CRL %d lists: a newer CRL lists less", m.crl.Number, m.order, s, prevNumber)
			}
		}
		prev, prevNumber = entries, m.crl.Number
	}
	if last := crls[len(crls)-1]; last.crl != final {
		t.Errorf("the CRL made after the run has number %d, lower than CRL %d made during it", final.Number, last.crl.Number)
	}
	got := checkCRLAgainstStore(t, c, st, final)
	if len(got) != len(want) {
		t.Errorf("the final CRL lists %d certificates, the store has %d revoked", len(got), len(want))
	}
	for s := range want {
		if !got[s] {
			t.Errorf("the final CRL does not list revoked %s", s)
		}
	}
}

// checkCRLAgainstStore parses and verifies l, checks that each of its entries
// is a certificate the store holds as revoked with the same time (to the
// second, the CRL's precision) and reason, and returns its serials in hex.
func checkCRLAgainstStore(t *testing.T, c *ca.CA, st *store.Store, l *ca.CRL) map[string]bool {
	t.Helper()
	rl, err := x509.ParseRevocationList(l.DER)
	if err != nil {
		t.Fatalf("CRL %d does not parse: %v", l.Number, err)
	}
	if err := rl.CheckSignatureFrom(c.Intermediate()); err != nil {
		t.Errorf("CRL %d: signature: %v", l.Number, err)
	}
	if rl.Number.Uint64() != l.Number {
		t.Errorf("CRL says number %d, its DER %d", l.Number, rl.Number)
	}
	out := map[string]bool{}
	for _, e := range rl.RevokedCertificateEntries {
		s := e.SerialNumber.Text(16)
		if out[s] {
			t.Errorf("CRL %d lists %s twice", l.Number, s)
		}
		out[s] = true
		rec, err := st.Cert(e.SerialNumber.Bytes())
		if err != nil {
			t.Errorf("CRL %d lists %s, which the store does not hold: %v", l.Number, s, err)
			continue
		}
		wantReason := rec.Reason
		if wantReason == store.NoReason {
			wantReason = 0
		}
		if rec.Status != store.CertRevoked || !e.RevocationTime.Equal(rec.RevokedAt.Truncate(time.Second)) || e.ReasonCode != wantReason {
			t.Errorf("CRL %d lists %s revoked at %s reason %d; the store has %s at %s reason %d",
				l.Number, s, e.RevocationTime, e.ReasonCode, rec.Status, rec.RevokedAt, rec.Reason)
		}
	}
	if len(out) != l.Entries {
		t.Errorf("CRL %d says %d entries, its DER has %d", l.Number, l.Entries, len(out))
	}
	return out
}
