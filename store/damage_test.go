package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDamagedPagesGiveErrors damages the store file one page at a time (a
// page header bbolt does not know, as a torn or bit-rotted write would leave)
// and checks that opening it and reading everything in it ends in an error
// or a result, never a crash: bbolt panics on such pages, and the store turns
// that into ErrCorrupt. The meta pages (0 and 1) are bbolt's own business:
// it keeps two and checksums them.
func TestDamagedPagesGiveErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "localca.db")
	s, err := Open(path, &Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ca := newTestCA(t, "Root")
	for i := range 40 {
		c := ca.issue(t, nil, testNow.AddDate(0, 1, 0), "d"+string(rune('a'+i%26))+".test")
		mustCommit(t, s, Record{Cert: c})
	}
	s.Close()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := os.Getpagesize()
	pages := len(good) / pageSize
	var opened, refused int
	for p := 2; p < pages; p++ {
		damaged := append([]byte(nil), good...)
		for i := range 16 {
			damaged[p*pageSize+i] = 0xee
		}
		file := filepath.Join(dir, "damaged.db")
		if err := os.WriteFile(file, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Open(file, &Options{ReadOnly: true})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("page %d: Open = %v; want ErrCorrupt or success", p, err)
			}
			refused++
			// A refused open lets go of the file and its lock.
			if s, err := Open(file, &Options{Timeout: time.Millisecond}); errors.Is(err, ErrInUse) {
				t.Errorf("page %d: after a refused open the file is still locked: %v", p, err)
			} else if err == nil {
				s.Close()
			}
			continue
		}
		opened++
		// Every read path: each may fail, none may crash.
		s.Check()
		s.ListCerts(Filter{})
		s.ListCerts(Filter{Name: "da.test"})
		s.ListCerts(Filter{ExpiringWithin: 1 << 62})
		s.CountCerts()
		s.Authorities()
		s.Events(0)
		s.Close()
	}
	t.Logf("%d pages damaged one at a time: %d stores refused at open, %d opened and read without a crash", pages-2, refused, opened)
}

// TestCallbackPanicIsNotCorrupt: a panic in the function a caller gives
// ForEachCert says nothing about the file, so it reaches the caller as the
// panic it was, not as "the store may be damaged".
func TestCallbackPanicIsNotCorrupt(t *testing.T) {
	s := openTest(t, nil)
	mustCommit(t, s, Record{Cert: newTestCA(t, "Root").issue(t, nil, testNow.AddDate(0, 1, 0), "a.test")})
	type boom struct{}
	defer func() {
		if r := recover(); r != (boom{}) {
			t.Fatalf("recovered %v, want the callback's own panic", r)
		}
		if _, err := s.CountCerts(); err != nil {
			t.Fatalf("the store after a callback's panic: %v", err)
		}
	}()
	err := s.ForEachCert(Filter{}, func(*Cert) error { panic(boom{}) })
	t.Fatalf("ForEachCert returned %v instead of panicking", err)
}
