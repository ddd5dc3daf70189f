package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// errDiskFull stands for a commit that fails: a full disk, an I/O error.
var errDiskFull = errors.New("injected: no space left on device")

// TestBeforeCommitFails makes every write transaction fail through
// Options.BeforeCommit and checks that each kind of write returns the
// injected error and leaves the store byte for byte as it was; then, with
// the hook passing, that the same write goes through.
func TestBeforeCommitFails(t *testing.T) {
	ca := newTestCA(t, "Root")
	inter := newTestCA(t, "Intermediate").auth
	inter.Role, inter.ParentID = "intermediate", ca.auth.ID
	tests := []struct {
		name  string
		write func(t *testing.T, s *Store, seed []byte) error
	}{
		{"commit key, CSR and certificate", func(t *testing.T, s *Store, seed []byte) error {
			k := newTestKey(t)
			c := ca.issue(t, k, testNow.AddDate(0, 1, 0), "one.test")
			return s.Commit(Record{Key: k.key(), CSR: newTestCSR(t, k, "one.test"), Cert: c})
		}},
		{"group commit", func(t *testing.T, s *Store, seed []byte) error {
			// Many callers at once share transactions; the group's failure
			// and every retry alone must fail each of them.
			const n = 16
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				c := ca.issue(t, nil, testNow.AddDate(0, 1, 0), fmt.Sprintf("g%d.test", i))
				wg.Go(func() { errs[i] = s.Commit(Record{Cert: c}) })
			}
			wg.Wait()
			return errors.Join(errs...)
		}},
		{"commit all", func(t *testing.T, s *Store, seed []byte) error {
			a := ca.issue(t, nil, testNow.AddDate(0, 1, 0), "a.test")
			b := ca.issue(t, nil, testNow.AddDate(0, 1, 0), "b.test")
			return errors.Join(s.CommitAll([]Record{{Cert: a}, {Cert: b}})...)
		}},
		{"revoke certificate", func(t *testing.T, s *Store, seed []byte) error {
			_, err := s.RevokeCert(seed, testNow, 1)
			return err
		}},
		{"CRL number", func(t *testing.T, s *Store, seed []byte) error {
			_, err := s.NextCRL(ca.auth.ID, testNow, noEntries)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fail atomic.Bool
			s := openTest(t, &Options{BeforeCommit: func() error {
				if fail.Load() {
					return errDiskFull
				}
				return nil
			}})
			if err := s.InitCA(ca.auth, inter, false); err != nil {
				t.Fatalf("InitCA: %v", err)
			}
			seed := ca.issue(t, nil, testNow.AddDate(0, 1, 0), "seed.test")
			mustCommit(t, s, Record{Cert: seed})

			before := takeSnapshot(t, s)
			fail.Store(true)
			err := tt.write(t, s, seed.Serial)
			if !errors.Is(err, errDiskFull) {
				t.Fatalf("with a failing commit: err = %v, want the injected error", err)
			}
			takeSnapshot(t, s).assertSame(t, before)
			if err := s.Check(); err != nil {
				t.Errorf("Check after a failed commit: %v", err)
			}
			fail.Store(false)
			if err := tt.write(t, s, seed.Serial); err != nil {
				t.Fatalf("with the commit passing again: %v", err)
			}
		})
	}
}

// TestCheck runs bbolt's consistency check on a store in use, and on a file
// whose pages were damaged behind bbolt's back: clean, then an ErrCorrupt
// that names the file.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "localca.db")
	s, err := Open(path, &Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ca := newTestCA(t, "Root")
	var rs []Record
	for i := range 300 {
		rs = append(rs, Record{Cert: ca.issue(t, nil, testNow.AddDate(0, 1, 0), fmt.Sprintf("c%d.test", i))})
	}
	if err := errors.Join(s.CommitAll(rs)...); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatalf("Check of a sound store: %v", err)
	}

	// Overwrite the header of a page of the certs bucket (found by the DER
	// of a certificate on it) with junk, behind bbolt's back while the store
	// is open: bbolt reads the file through a shared mapping, so Check sees
	// the damage. (TestDamagedPagesGiveErrors opens damaged files.)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(raw, rs[150].Cert.DER)
	if at < 0 {
		t.Fatal("a stored certificate's DER is not in the file")
	}
	pageSize := os.Getpagesize()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xee}, 16), int64(at/pageSize*pageSize)); err != nil {
		t.Fatal(err)
	}
	err = s.Check()
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Check of a damaged store: %v, want ErrCorrupt naming %s", err, path)
	}
	t.Logf("Check: %v", err)
}
