package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// boltBucket is the one bucket that holds the whole keyspace in a bbolt
// file: one B+tree, so that a certificate's commit dirties the pages its
// keys land on and nothing else (eight buckets meant eight trees' root and
// leaf pages per commit).
var boltBucket = []byte("kv")

// boltFillPercent is how full bbolt packs a page before it splits it; one
// value serves the whole keyspace, measured per region (pages in use and
// bytes of the 1,000-issue store of TestStoreGrowth's kind, 2026-12-01):
//
//	fill   cert/ (appends)   key/ (random)   in use per issue
//	0.95   0.94              0.41            1,733 B
//	0.90   0.82              0.41            1,733 B
//	0.80   0.68              0.64            1,536 B
//	0.70   0.68              0.67            1,528 B
//
// Appends (certificates, events, serials that start with the issue time,
// expiries) want full pages; random keys (key fingerprints, names) want
// bbolt's half-and-half splits, because a split at 95% leaves a page of 5%
// that few later keys land on. 0.8 is the best single value; a bucket per
// kind of order would serve both (see docs/BENCHMARKS.md).
const boltFillPercent = 0.8

// BoltOptions tune OpenBolt. The zero value is a durable, writable file.
type BoltOptions struct {
	// Timeout is how long to wait for another process's file lock before
	// ErrInUse. Zero means 2 seconds; it is never unbounded.
	Timeout time.Duration
	// ReadOnly takes a shared lock and never writes.
	ReadOnly bool
	// NoSync skips fsync on commit: benchmarks of the cost of durability only.
	NoSync bool
}

// BoltBackend is the Backend of a single bbolt file: the default engine,
// for one user on one machine. Its revision is bbolt's transaction id, kept
// in the file's meta page, so it grows across restarts at no cost. Watches
// see the writes of this process only; no other process can write while it
// holds the file's lock.
type BoltBackend struct {
	db   *bolt.DB
	path string
	// wmu orders commits and their watch notifications: bbolt runs one
	// writer at a time anyway, and notifying under the same lock keeps
	// watchers' events in commit order.
	wmu   sync.Mutex
	watch watchHub
}

// OpenBolt opens (creating if needed, mode 0600) the bbolt file at path as
// a Backend. A lock held by another process gives ErrInUse after the
// timeout; a damaged file gives ErrCorrupt.
func OpenBolt(path string, opts *BoltOptions) (*BoltBackend, error) {
	b, err := openBolt(path, opts)
	if err != nil {
		return nil, err
	}
	if opts == nil || !opts.ReadOnly {
		if err := b.ensureBucket(); err != nil {
			b.db.Close()
			return nil, fmt.Errorf("store: preparing %s: %w", path, err)
		}
	}
	return b, nil
}

// openBolt opens the file and makes nothing in it (Open looks at what it
// holds first).
func openBolt(path string, opts *BoltOptions) (_ *BoltBackend, err error) {
	defer recoverCorrupt(path, &err)
	var o BoltOptions
	if opts != nil {
		o = *opts
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if !o.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("store: creating %s: %w", filepath.Dir(path), err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      o.Timeout,
		ReadOnly:     o.ReadOnly,
		NoSync:       o.NoSync,
		FreelistType: bolt.FreelistMapType,
		// The freelist is written with every commit (one more page in the
		// same fsync), so that opening reads it instead of walking every
		// page: well under a millisecond instead of 330 ms for a million
		// certificates. The walk also panicked, in a goroutine no one could
		// recover, on a damaged page.
		NoFreelistSync: false,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("%w: %s (waited %s)", ErrInUse, path, o.Timeout)
		}
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	return &BoltBackend{db: db, path: path}, nil
}

// ensureBucket makes the keyspace's bucket in a new file. An existing file
// is only read: a write transaction would cost two fsyncs on every open.
func (b *BoltBackend) ensureBucket() (err error) {
	defer recoverCorrupt(b.path, &err)
	var ok bool
	if err := b.db.View(func(tx *bolt.Tx) error { ok = tx.Bucket(boltBucket) != nil; return nil }); err != nil || ok {
		return err
	}
	return b.db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(boltBucket); err != nil {
			return err
		}
		return markSchema(tx)
	})
}

// View implements Backend.
func (b *BoltBackend) View(ctx context.Context, fn func(ReadTx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer recoverCorrupt(b.path, &err)
	return b.db.View(func(tx *bolt.Tx) error {
		return fn(&boltTx{tx: tx, b: tx.Bucket(boltBucket), rev: int64(tx.ID())})
	})
}

// Update implements Backend.
func (b *BoltBackend) Update(ctx context.Context, fn func(WriteTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.update(func(tx *boltTx) error { return fn(tx) })
}

// update runs fn in one bbolt write transaction and, once it is committed,
// tells the watchers what it changed.
func (b *BoltBackend) update(fn func(*boltTx) error) (err error) {
	defer recoverCorrupt(b.path, &err)
	b.wmu.Lock()
	defer b.wmu.Unlock()
	var t *boltTx
	err = b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(boltBucket)
		if bk == nil {
			return fmt.Errorf("store: %s has no keyspace (opened read-only before it was made?)", b.path)
		}
		bk.FillPercent = boltFillPercent
		t = &boltTx{tx: tx, b: bk, rev: int64(tx.ID()), watched: b.watch.active()}
		return fn(t)
	})
	if err == nil && len(t.changes) > 0 {
		b.watch.notify(t.changes, t.rev)
	}
	return err
}

// Batch implements Backend: one transaction and one fsync for all of fns.
// bbolt has no savepoints, so each fn's writes are logged with what they
// replaced and undone when the fn fails.
func (b *BoltBackend) Batch(ctx context.Context, fns []func(WriteTx) error) []error {
	errs := make([]error, len(fns))
	if err := ctx.Err(); err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	if len(fns) == 1 {
		errs[0] = b.update(func(tx *boltTx) error { return fns[0](tx) })
		return errs
	}
	err := b.update(func(tx *boltTx) error {
		failed := 0
		for i, fn := range fns {
			tx.undo, tx.logging = tx.undo[:0], true
			mark := len(tx.changes)
			if errs[i] = fn(tx); errs[i] != nil {
				failed++
				if err := tx.rollback(); err != nil {
					return err
				}
				tx.changes = tx.changes[:mark]
			}
		}
		if failed == len(fns) {
			return errNothingToCommit // not a byte written
		}
		return nil
	})
	if err == nil || err == errNothingToCommit {
		return errs
	}
	// The shared transaction was rolled back: nothing of it is stored.
	// Each alone gets its own error.
	for i, fn := range fns {
		errs[i] = b.update(func(tx *boltTx) error { return fn(tx) })
	}
	return errs
}

// Revision implements Backend.
func (b *BoltBackend) Revision(ctx context.Context) (int64, error) {
	var rev int64
	err := b.View(ctx, func(tx ReadTx) error { rev = tx.Revision(); return nil })
	return rev, err
}

// Status implements Backend.
func (b *BoltBackend) Status(ctx context.Context) (BackendStatus, error) {
	st := BackendStatus{Engine: "bbolt", Where: b.path, PageSize: b.db.Info().PageSize}
	err := b.View(ctx, func(rtx ReadTx) error {
		tx := rtx.(*boltTx).tx
		st.Revision = int64(tx.ID())
		stats := b.db.Stats()
		pages := tx.Size()/int64(st.PageSize) - int64(stats.FreePageN+stats.PendingPageN)
		st.InUse = pages * int64(st.PageSize)
		return nil
	})
	if err != nil {
		return st, err
	}
	fi, err := os.Stat(b.path)
	if err != nil {
		return st, fmt.Errorf("store: %w", err)
	}
	st.Size = fi.Size()
	return st, nil
}

// Snapshot implements Snapshotter: bbolt's consistent copy of the file.
func (b *BoltBackend) Snapshot(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := b.View(ctx, func(rtx ReadTx) error {
		var err error
		n, err = rtx.(*boltTx).tx.WriteTo(w)
		return err
	})
	return n, err
}

// Check implements Checker with bbolt's consistency check (every page
// reachable once, the freelist, the B+tree in order).
func (b *BoltBackend) Check(ctx context.Context) error {
	var errs []error
	err := b.View(ctx, func(rtx ReadTx) error {
		for e := range rtx.(*boltTx).tx.Check() {
			errs = append(errs, e)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: checking %s: %w", b.path, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %s fails bbolt's consistency check: %w", ErrCorrupt, b.path, errors.Join(errs...))
	}
	return nil
}

// Path is the bbolt file.
func (b *BoltBackend) Path() string { return b.path }

// Close implements Backend: watchers' channels close, the file and its lock
// are released.
func (b *BoltBackend) Close() error {
	b.watch.closeAll()
	return b.db.Close()
}

// boltTx is a ReadTx or WriteTx over the keyspace bucket of one bbolt
// transaction.
type boltTx struct {
	tx  *bolt.Tx
	b   *bolt.Bucket // nil in a read-only file that has no keyspace yet
	rev int64        // this transaction's id
	// watched: record changes for the watchers.
	watched bool
	changes []WatchEvent
	// logging: keep undo for Batch.
	logging bool
	undo    []undoEntry
}

type undoEntry struct {
	key, old []byte
	existed  bool
}

// Writable reports whether the transaction may write (Update, Batch).
func (t *boltTx) Writable() bool { return t.tx.Writable() }

func (t *boltTx) Revision() int64 {
	if t.tx.Writable() {
		return t.rev - 1
	}
	return t.rev
}

func (t *boltTx) Get(key []byte) ([]byte, error) {
	if t.b == nil {
		return nil, nil
	}
	// Through a cursor, not Bucket.Get: an empty value must read as a
	// value (non-nil), not as absence.
	k, v := t.b.Cursor().Seek(key)
	if k == nil || !bytes.Equal(k, key) {
		return nil, nil
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

func (t *boltTx) Range(prefix, start []byte, reverse bool, fn func(k, v []byte) error) error {
	if t.b == nil {
		return nil
	}
	c := t.b.Cursor()
	var k, v []byte
	end := PrefixEnd(prefix)
	if !reverse {
		from := prefix
		if start != nil && bytes.Compare(start, prefix) > 0 {
			from = start
		}
		k, v = c.Seek(from)
	} else {
		to := end // exclusive
		if start != nil && (end == nil || bytes.Compare(start, end) < 0) {
			if bytes.Compare(start, prefix) < 0 {
				return nil
			}
			to = append(append([]byte(nil), start...), 0) // start itself is included
		}
		if to == nil {
			k, v = c.Last()
		} else if k, v = c.Seek(to); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = step(c, reverse) {
		if v == nil {
			v = []byte{}
		}
		if err := fn(k, v); err != nil {
			if errors.Is(err, ErrStopRange) {
				return nil
			}
			return err
		}
	}
	return nil
}

func step(c *bolt.Cursor, reverse bool) ([]byte, []byte) {
	if reverse {
		return c.Prev()
	}
	return c.Next()
}

func (t *boltTx) Put(key, value []byte) error {
	if err := t.logUndo(key); err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	if err := t.b.Put(key, value); err != nil {
		return fmt.Errorf("store: put %q: %w", key, err)
	}
	if t.watched {
		t.changes = append(t.changes, WatchEvent{Key: clone(key), Value: clone(value)})
	}
	return nil
}

func (t *boltTx) Delete(key []byte) error {
	if err := t.logUndo(key); err != nil {
		return err
	}
	if err := t.b.Delete(key); err != nil {
		return fmt.Errorf("store: delete %q: %w", key, err)
	}
	if t.watched {
		t.changes = append(t.changes, WatchEvent{Key: clone(key), Deleted: true})
	}
	return nil
}

// logUndo remembers what key holds before a write, when the transaction is
// one fn of a Batch.
func (t *boltTx) logUndo(key []byte) error {
	if !t.logging {
		return nil
	}
	old, err := t.Get(key)
	if err != nil {
		return err
	}
	t.undo = append(t.undo, undoEntry{key: clone(key), old: clone(old), existed: old != nil})
	return nil
}

// rollback undoes the logged writes, newest first.
func (t *boltTx) rollback() error {
	t.logging = false
	for i := len(t.undo) - 1; i >= 0; i-- {
		u := t.undo[i]
		var err error
		if u.existed {
			old := u.old
			if old == nil {
				old = []byte{}
			}
			err = t.b.Put(u.key, old)
		} else {
			err = t.b.Delete(u.key)
		}
		if err != nil {
			return fmt.Errorf("store: undoing a failed write: %w", err)
		}
	}
	t.undo = t.undo[:0]
	return nil
}
