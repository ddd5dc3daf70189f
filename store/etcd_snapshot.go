package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Snapshot writes the whole keyspace, read at one revision, as a bbolt
// file of this localca's layout: `localca backup` of a CA kept in etcd
// gives a file that `--store FILE` opens as it is, and that `store copy`
// puts back into etcd. etcd's own `etcdctl snapshot save` would hold the
// whole cluster (other prefixes, other users' data) and need etcd to read.
func (b *EtcdBackend) Snapshot(ctx context.Context, w io.Writer) (int64, error) {
	dir, err := os.MkdirTemp("", "localca-snapshot-")
	if err != nil {
		return 0, fmt.Errorf("store: etcd snapshot: %w", err)
	}
	defer os.RemoveAll(dir)
	file, err := OpenBolt(filepath.Join(dir, "snapshot.db"), &BoltOptions{NoSync: true})
	if err != nil {
		return 0, fmt.Errorf("store: etcd snapshot: %w", err)
	}
	defer file.Close()
	// One View is one revision of etcd; the file's writes go in chunks so
	// that a large store is not one huge bbolt transaction.
	const chunk = 4096
	var keys, vals [][]byte
	flush := func() error {
		err := file.Update(ctx, func(tx WriteTx) error {
			for i := range keys {
				if err := tx.Put(keys[i], vals[i]); err != nil {
					return err
				}
			}
			return nil
		})
		keys, vals = keys[:0], vals[:0]
		return err
	}
	err = b.View(ctx, func(tx ReadTx) error {
		return tx.Range(nil, nil, false, func(k, v []byte) error {
			keys, vals = append(keys, clone(k)), append(vals, clone(v))
			if len(keys) == chunk {
				return flush()
			}
			return nil
		})
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return 0, fmt.Errorf("store: etcd snapshot: %w", err)
	}
	return file.Snapshot(ctx, w)
}
