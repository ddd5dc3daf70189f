package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestOpenCreatesPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "home", "localca")
	path := filepath.Join(dir, "localca.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	for _, c := range []struct {
		path string
		want os.FileMode
	}{{path, 0o600}, {dir, 0o700}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != c.want {
			t.Errorf("%s has mode %#o, want %#o", c.path, got, c.want)
		}
	}
	if n, err := s.Size(); err != nil || n <= 0 {
		t.Errorf("Size() = %d, %v; want a positive size", n, err)
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "localca.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	// bbolt locks with flock(2), which binds to the open file description: a
	// second open in the same process conflicts just like another process.
	for _, ro := range []bool{false, true} {
		start := time.Now()
		s2, err := Open(path, &Options{Timeout: 200 * time.Millisecond, ReadOnly: ro})
		if !errors.Is(err, ErrInUse) {
			if s2 != nil {
				s2.Close()
			}
			t.Fatalf("second Open (read-only %v): err = %v, want ErrInUse", ro, err)
		}
		if s2 != nil {
			t.Errorf("second Open returned a store with its error")
		}
		if waited := time.Since(start); waited > 5*time.Second {
			t.Errorf("second Open waited %s, far beyond its 200ms timeout", waited)
		}
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name the file", err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path, &Options{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s2.Close()
}

func TestOpenReadOnlySharesLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "localca.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var ros []*Store
	for range 2 {
		ro, err := Open(path, &Options{ReadOnly: true, Timeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatalf("read-only Open: %v", err)
		}
		ros = append(ros, ro)
	}
	if _, err := ros[0].CountCerts(); err != nil {
		t.Errorf("CountCerts on a read-only store: %v", err)
	}
	if err := ros[0].Commit(Record{Key: newTestKey(t).key()}); err == nil {
		t.Errorf("Commit on a read-only store succeeded")
	}
	if _, err := Open(path, &Options{Timeout: 200 * time.Millisecond}); !errors.Is(err, ErrInUse) {
		t.Errorf("writable Open beside readers: err = %v, want ErrInUse", err)
	}
	for _, ro := range ros {
		ro.Close()
	}
}

// setSchema rewrites the schema value of a closed store file as the engine
// writes it: in the ordered tree and in the file's copy (boltMarkBucket).
func setSchema(t *testing.T, path, v string) {
	t.Helper()
	b, err := OpenBolt(path, &BoltOptions{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(context.Background(), func(tx WriteTx) error {
		return tx.Put(kSchema, []byte(v))
	}); err != nil {
		t.Fatal(err)
	}
}

// bucketNames lists the top-level buckets of a closed bbolt file.
func bucketNames(t *testing.T, path string) []string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var out []string
	if err := db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			out = append(out, string(name))
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpenSchema(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		wantErr string // "" means Open must succeed
	}{
		{"new file", func(*testing.T, string) {}, ""},
		{"current schema", func(t *testing.T, path string) {
			s, err := Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
		}, ""},
		{"newer schema", func(t *testing.T, path string) {
			s, err := Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			setSchema(t, path, strconv.Itoa(keyspaceSchema+1))
		}, "schema"},
		{"garbled schema", func(t *testing.T, path string) {
			s, err := Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
			setSchema(t, path, "1x")
		}, "schema"},
		{"bbolt file of another program", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Update(func(tx *bolt.Tx) error {
				_, err := tx.CreateBucket([]byte("not-ours"))
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}, "not a localca store"},
		{"not a bbolt file", func(t *testing.T, path string) {
			junk := make([]byte, 8192)
			for i := range junk {
				junk[i] = byte(i * 7)
			}
			if err := os.WriteFile(path, junk, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "store: opening"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "localca.db")
			tt.prepare(t, path)
			var before []byte
			if tt.wantErr != "" {
				before, _ = os.ReadFile(path)
			}
			for _, ro := range []bool{false, true} {
				s, err := Open(path, &Options{ReadOnly: ro, Timeout: 200 * time.Millisecond})
				if tt.wantErr == "" {
					if err != nil {
						t.Fatalf("Open (read-only %v): %v", ro, err)
					}
					s.Close()
					continue
				}
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open (read-only %v): err = %v, want one about %q", ro, err, tt.wantErr)
				}
				if errors.Is(err, ErrInUse) {
					t.Errorf("a refused store left its lock held: %v", err)
				}
				if s != nil {
					t.Errorf("Open returned a store with its error")
				}
			}
			if tt.wantErr != "" {
				// A refused file is never written to.
				after, _ := os.ReadFile(path)
				if string(before) != string(after) {
					t.Errorf("Open changed a file it refused")
				}
			}
		})
	}
}

func TestOpenSchemaKeepsForeignBuckets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucket([]byte("not-ours"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path, nil); err == nil {
		t.Fatal("Open accepted a bbolt file of another program")
	}
	if got := bucketNames(t, path); len(got) != 1 || got[0] != "not-ours" {
		t.Errorf("buckets after a refused Open: %q, want only the foreign one", got)
	}
}

func TestPersistsAcrossReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "localca.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ca := newTestCA(t, "Root")
	c := ca.issue(t, nil, testNow.AddDate(0, 1, 0), "a.test")
	mustCommit(t, s, Record{Cert: c})
	s.Close()

	s, err = Open(path, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Cert(c.Serial)
	if err != nil {
		t.Fatalf("Cert after reopen: %v", err)
	}
	if d := diffCert(got, c); d != "" {
		t.Errorf("Cert after reopen: %s", d)
	}
}
