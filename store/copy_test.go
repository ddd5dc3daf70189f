package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/localca/localca/internal/etcdtest"
	"github.com/localca/localca/store"
)

// TestCopyBackend copies a bbolt store into etcd and back, checking counts,
// digests, the moved mark on each source, and refusals.
func TestCopyBackend(t *testing.T) {
	ctx := context.Background()
	c := etcdtest.Start(t, 1)
	bolt, err := store.OpenBolt(filepath.Join(t.TempDir(), "a.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bolt.Close()
	const n = 1234
	if err := bolt.Update(ctx, func(tx store.WriteTx) error {
		for i := 0; i < n; i++ {
			if err := tx.Put([]byte(fmt.Sprintf("cert/%06d", i)), []byte(fmt.Sprintf("value %d", i))); err != nil {
				return err
			}
		}
		return tx.Put([]byte("setting/empty"), []byte{})
	}); err != nil {
		t.Fatal(err)
	}
	etcd, err := store.OpenEtcd(store.EtcdOptions{Endpoints: c.Hosts(), Prefix: "copy"})
	if err != nil {
		t.Fatal(err)
	}
	defer etcd.Close()
	var calls int
	rep, err := store.CopyBackend(ctx, bolt, etcd, c.URL("copy"), func(int) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != n+1 || calls < n/100 {
		t.Fatalf("copied %d records with %d progress calls, want %d and at least %d", rep.Records, calls, n+1, n/100)
	}
	got, err := store.Digest(ctx, etcd)
	if err != nil || got.Digest != rep.Digest || got.Records != rep.Records {
		t.Fatalf("etcd holds %+v (%v), copied %+v", got, err, rep)
	}
	if moved, _ := store.MovedTo(ctx, bolt); moved != c.URL("copy") {
		t.Fatalf("source marked moved to %q", moved)
	}
	// The moved source cannot be copied again, and a non-empty target is refused.
	if _, err := store.CopyBackend(ctx, bolt, etcd, "x", nil); !errors.Is(err, store.ErrMoved) {
		t.Fatalf("copying a moved store: %v", err)
	}
	back, err := store.OpenBolt(filepath.Join(t.TempDir(), "b.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if _, err := store.CopyBackend(ctx, etcd, bolt, "y", nil); !errors.Is(err, store.ErrCopyTarget) {
		t.Fatalf("copying into a non-empty store: %v", err)
	}
	rep2, err := store.CopyBackend(ctx, etcd, back, "file:b.db", nil)
	if err != nil || rep2.Digest != rep.Digest {
		t.Fatalf("copy back: %+v %v (want digest %s)", rep2, err, rep.Digest)
	}
}
