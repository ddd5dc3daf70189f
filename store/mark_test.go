package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// marks reads meta/schema from the ordered tree of db and from its copy
// in boltMarkBucket (nil where absent; hasCopy says whether the bucket is).
func marks(t *testing.T, db *bolt.DB) (tree, copied []byte, hasCopy bool) {
	t.Helper()
	db.View(func(tx *bolt.Tx) error {
		tree = clone(get(tx.Bucket(boltBucket), kSchema))
		if m := tx.Bucket(boltMarkBucket); m != nil {
			hasCopy, copied = true, clone(get(m, kSchema))
		}
		return nil
	})
	return tree, copied, hasCopy
}

// fileMarks is marks of a closed file.
func fileMarks(t *testing.T, path string) (tree, copied []byte, hasCopy bool) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return marks(t, db)
}

// rawFile changes a closed file through bbolt alone, as a file written
// before boltMarkBucket existed, or a writer that forgot it, would be.
func rawFile(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func newStoreFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "localca.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	return path
}

// TestSchemaMark: the copy of meta/schema in the file's root (bolt.go's
// boltMarkBucket) is written with the tree's in every write, and a file
// without it is read, refused and completed from the tree.
func TestSchemaMark(t *testing.T) {
	t.Run("a new store keeps both", func(t *testing.T) {
		tree, copied, _ := fileMarks(t, newStoreFile(t))
		if string(tree) != keyspaceMark || string(copied) != keyspaceMark {
			t.Errorf("tree %q, copy %q; want both %q", tree, copied, keyspaceMark)
		}
	})
	t.Run("a write of meta/schema writes both", func(t *testing.T) {
		path := newStoreFile(t)
		setSchema(t, path, "3")
		if tree, copied, _ := fileMarks(t, path); string(tree) != "3" || string(copied) != "3" {
			t.Errorf("tree %q, copy %q; want both \"3\"", tree, copied)
		}
	})

	// A file written before the copy existed: the tree alone.
	withoutCopy := func(t *testing.T, schema string) string {
		path := newStoreFile(t)
		rawFile(t, path, func(tx *bolt.Tx) error {
			if err := tx.DeleteBucket(boltMarkBucket); err != nil {
				return err
			}
			return tx.Bucket(boltBucket).Put(kSchema, []byte(schema))
		})
		return path
	}
	t.Run("without the copy, the tree's schema is read", func(t *testing.T) {
		path := withoutCopy(t, keyspaceMark)
		before, _ := os.ReadFile(path)
		s, err := Open(path, &Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("read-only Open: %v", err)
		}
		s.Close()
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Errorf("a read-only Open wrote to the file")
		}
		s, err = Open(path, nil)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		s.Close()
		if tree, copied, _ := fileMarks(t, path); string(tree) != keyspaceMark || string(copied) != keyspaceMark {
			t.Errorf("after a writable Open: tree %q, copy %q; want both %q", tree, copied, keyspaceMark)
		}
	})
	t.Run("without the copy, a newer schema in the tree is refused", func(t *testing.T) {
		path := withoutCopy(t, strconv.Itoa(keyspaceSchema+1))
		before, _ := os.ReadFile(path)
		for _, ro := range []bool{true, false} {
			if s, err := Open(path, &Options{ReadOnly: ro}); !errors.Is(err, ErrSchema) {
				if err == nil {
					s.Close()
				}
				t.Errorf("Open (read-only %v): %v, want ErrSchema", ro, err)
			}
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Errorf("Open wrote to a file it refused")
		}
	})

	t.Run("a Batch's undo and a Delete reach both", func(t *testing.T) {
		path := newStoreFile(t)
		b, err := OpenBolt(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		ctx := context.Background()
		failed := errors.New("refused")
		errs := b.Batch(ctx, []func(WriteTx) error{
			func(tx WriteTx) error {
				if err := tx.Put(kSchema, []byte("9")); err != nil {
					return err
				}
				return failed
			},
			func(tx WriteTx) error { return tx.Put(settingKey("x"), []byte("1")) },
		})
		if !errors.Is(errs[0], failed) || errs[1] != nil {
			t.Fatalf("Batch: %v", errs)
		}
		if err := b.flushLog(); err != nil {
			t.Fatal(err)
		}
		if tree, copied, _ := marks(t, b.db); string(tree) != keyspaceMark || string(copied) != keyspaceMark {
			t.Errorf("after an undone write: tree %q, copy %q; want both %q", tree, copied, keyspaceMark)
		}
		if err := b.Update(ctx, func(tx WriteTx) error { return tx.Delete(kSchema) }); err != nil {
			t.Fatal(err)
		}
		if err := b.flushLog(); err != nil {
			t.Fatal(err)
		}
		if tree, copied, _ := marks(t, b.db); tree != nil || copied != nil {
			t.Errorf("after a Delete: tree %q, copy %q; want neither", tree, copied)
		}
	})

	t.Run("a schema-3 file gets no copy", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "localca.db")
		rawFile(t, path, func(tx *bolt.Tx) error {
			kv, err := tx.CreateBucket(boltOneTreeBucket)
			if err != nil {
				return err
			}
			return kv.Put(kSchema, []byte("3"))
		})
		setSchema(t, path, keyspaceMark)
		if got := bucketNames(t, path); len(got) != 1 || got[0] != string(boltOneTreeBucket) {
			t.Errorf("buckets %q, want the one tree alone", got)
		}
	})
}
