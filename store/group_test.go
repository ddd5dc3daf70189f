package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestCommitConcurrent commits from many goroutines at once, so that group
// commit puts many records in one transaction, with serials that collide on
// purpose and some records that must be refused. Exactly one record wins each
// serial, the losers get ErrSerialExists, a refused record fails alone, and
// every winner is in the store after it is closed and opened again.
func TestCommitConcurrent(t *testing.T) {
	const (
		workers   = 64
		perWorker = 6
		serials   = 100 // fewer serials than commits: most are tried 3-4 times
	)
	s := openTest(t, nil)
	ca := newTestCA(t, "Root")
	good, bad := newTestKey(t), newTestKey(t)
	badKey := bad.key()
	mustCommit(t, s, Record{Key: badKey})
	if _, err := s.RevokeKey(badKey, testNow); err != nil {
		t.Fatalf("RevokeKey: %v", err)
	}
	rejected := newTestCSR(t, good, "rejected.test")
	if err := s.RejectCSR(rejected); err != nil {
		t.Fatalf("RejectCSR: %v", err)
	}
	tmpl := ca.issue(t, good, testNow.AddDate(0, 3, 0), "group.test")

	type result struct {
		serial uint64
		kind   string // ok, bad-key, rejected-csr
		err    error
	}
	results := make([][]result, workers)
	var start sync.WaitGroup
	start.Add(1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start.Wait()
			for i := range perWorker {
				n := uint64((w*perWorker + i*7) % serials)
				c := *tmpl
				c.Serial = serialBytes(n)
				c.Names = []string{fmt.Sprintf("w%d.group.test", w)}
				r, kind := Record{Cert: &c}, "ok"
				switch {
				case w%16 == 3 && i == 2:
					// A compromised key: refused, and must not take the serial.
					c.KeyFingerprint, kind = bad.fp(), "bad-key"
				case w%16 == 5 && i == 4:
					c.CSRID, kind = rejected.ID, "rejected-csr"
				}
				results[w] = append(results[w], result{n, kind, s.Commit(r)})
			}
		}()
	}
	start.Done()
	wg.Wait()

	winners := map[uint64]int{}
	for w, rs := range results {
		for _, r := range rs {
			switch {
			case r.kind == "bad-key":
				if !errors.Is(r.err, ErrKeyRevoked) {
					t.Errorf("worker %d serial %d with a compromised key: err = %v, want ErrKeyRevoked", w, r.serial, r.err)
				}
			case r.kind == "rejected-csr":
				if !errors.Is(r.err, ErrCSRRejected) {
					t.Errorf("worker %d serial %d of a rejected CSR: err = %v, want ErrCSRRejected", w, r.serial, r.err)
				}
			case r.err == nil:
				winners[r.serial]++
			case !errors.Is(r.err, ErrSerialExists):
				t.Errorf("worker %d serial %d: err = %v, want nil or ErrSerialExists", w, r.serial, r.err)
			}
		}
	}
	for n, c := range winners {
		if c != 1 {
			t.Errorf("serial %d stored by %d commits, want exactly 1", n, c)
		}
	}
	if len(winners) != serials {
		t.Errorf("%d serials won, want all %d (each was tried by a valid record)", len(winners), serials)
	}

	path := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := OpenURL(path, nil, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	if n, err := s2.CountCerts(); err != nil || n != len(winners) {
		t.Errorf("after reopen CountCerts = %d, %v; want %d", n, err, len(winners))
	}
	for n := range winners {
		c, err := s2.Cert(serialBytes(n))
		if err != nil {
			t.Errorf("after reopen serial %d: %v", n, err)
			continue
		}
		if c.KeyFingerprint != nil && string(c.KeyFingerprint) == string(bad.fp()) {
			t.Errorf("serial %d stored with the compromised key", n)
		}
	}
	if list, err := s2.ListCerts(Filter{KeyFingerprint: bad.fp()}); err != nil || len(list) != 0 {
		t.Errorf("certificates of the compromised key: %d, %v; want none", len(list), err)
	}
}

// TestCommitAll checks that a batch stores its good records and refuses its
// bad ones alone, each with its own error.
func TestCommitAll(t *testing.T) {
	s := openTest(t, nil)
	ca := newTestCA(t, "Root")
	k := newTestKey(t)
	tmpl := ca.issue(t, k, testNow.AddDate(0, 3, 0), "all.test")
	rec := func(n uint64) Record {
		c := *tmpl
		c.Serial = serialBytes(n)
		return Record{Cert: &c}
	}
	noDER := rec(9)
	noDER.Cert.DER = nil
	badStatus := rec(10)
	badStatus.Cert.Status = "lost"
	rs := []Record{rec(1), rec(2), rec(1), noDER, rec(3), badStatus, rec(4)}
	wantErr := []error{nil, nil, ErrSerialExists, errAny, nil, errAny, nil}

	errs := s.CommitAll(rs)
	if len(errs) != len(rs) {
		t.Fatalf("CommitAll returned %d errors for %d records", len(errs), len(rs))
	}
	for i, err := range errs {
		switch want := wantErr[i]; {
		case want == nil && err != nil:
			t.Errorf("record %d: err = %v, want stored", i, err)
		case want == errAny && err == nil:
			t.Errorf("record %d: stored, want refused", i)
		case want != nil && want != errAny && !errors.Is(err, want):
			t.Errorf("record %d: err = %v, want %v", i, err, want)
		}
	}
	if n, _ := s.CountCerts(); n != 4 {
		t.Errorf("CountCerts = %d, want 4", n)
	}
	for _, bad := range []uint64{9, 10} {
		if _, err := s.Cert(serialBytes(bad)); !errors.Is(err, ErrNotFound) {
			t.Errorf("refused serial %d: Cert err = %v, want ErrNotFound", bad, err)
		}
	}
}

// errAny stands for "some error" in a table of expected errors.
var errAny = errors.New("any error")

// serialBytes makes a positive serial from n.
func serialBytes(n uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{0x01}, n)
}
