package store

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// backupTo writes a backup of s to a new file and opens it read-only.
func backupTo(t *testing.T, s *Store) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Backup(f)
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != n {
		t.Fatalf("Backup reported %d bytes, file holds %v (%v)", n, fi.Size(), err)
	}
	b, err := Open(path, &Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("Open(backup): %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestBackup(t *testing.T) {
	s := openTest(t, &Options{NoSync: true})
	ca := newTestCA(t, "Root")
	if err := s.InitCA(ca.auth, ca.auth, false); err != nil {
		t.Fatal(err)
	}
	// issue commits n certificates and closes started (when not nil) after
	// the fifth.
	issue := func(n int, started chan<- struct{}) {
		for i := range n {
			c := ca.issue(t, nil, testNow.AddDate(0, 1, 0), "a.test")
			if err := s.Commit(Record{Cert: c}); err != nil {
				t.Errorf("Commit: %v", err)
				return
			}
			if i == 4 && started != nil {
				close(started)
			}
		}
	}
	issue(20, nil)
	if _, err := s.RevokeCert(mustList(t, s, Filter{Limit: 1})[0].Serial, testNow, 1); err != nil {
		t.Fatal(err)
	}

	t.Run("quiet store", func(t *testing.T) {
		b := backupTo(t, s)
		want, got := mustList(t, s, Filter{}), mustList(t, b, Filter{})
		if len(got) != len(want) {
			t.Fatalf("backup holds %d certificates, store %d", len(got), len(want))
		}
		for i := range want {
			if d := diffCert(got[i], want[i]); d != "" {
				t.Errorf("certificate %d: %s", i, d)
			}
		}
		if _, _, err := b.CA(); err != nil {
			t.Errorf("backup lost the CA: %v", err)
		}
		if got, want := len(eventKinds(t, b)), len(eventKinds(t, s)); got != want {
			t.Errorf("backup holds %d events, store %d", got, want)
		}
	})

	t.Run("while writing", func(t *testing.T) {
		var wg sync.WaitGroup
		started := make(chan struct{})
		wg.Go(func() { issue(30, started) })
		<-started
		b := backupTo(t, s) // a snapshot somewhere in the middle of the writes
		wg.Wait()
		got, all := mustList(t, b, Filter{}), mustList(t, s, Filter{})
		if len(got) < 25 || len(got) > len(all) {
			t.Fatalf("backup holds %d certificates, want between 25 and %d", len(got), len(all))
		}
		// A snapshot is a prefix of the issue order, each record whole.
		for i := range got {
			if d := diffCert(got[i], all[i]); d != "" {
				t.Errorf("certificate %d: %s", i, d)
			}
		}
		if n, err := b.CountCerts(); err != nil || n != len(got) {
			t.Errorf("backup CountCerts = %d, %v; its list holds %d", n, err, len(got))
		}
		// The source stays usable after the backup.
		issue(1, nil)
	})
}

func mustList(t *testing.T, s *Store, f Filter) []*Cert {
	t.Helper()
	certs, err := s.ListCerts(f)
	if err != nil {
		t.Fatalf("ListCerts: %v", err)
	}
	return certs
}
