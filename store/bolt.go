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
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// A bbolt file holds the keyspace in two buckets, two B+trees, by the
// order its keys arrive in (layout.go's randomOrder): boltBucket takes the
// prefixes whose keys come in key order (certificates, events, serials
// that begin with the issue time, expiries, meta), boltRandomBucket those
// whose keys come in no order (key fingerprints, names, CSR ids, tokens).
// Each tree then splits its pages the way that suits its keys
// (boltFillPercent). A commit dirties the pages its keys land on in each
// tree and nothing else (a bucket per kind, schema 2, meant eight trees'
// root and leaf pages per commit).
//
// A file of schema 3 has boltOneTreeBucket alone, the whole keyspace in
// it: the engine reads and writes it as it is (OpenBolt, StatusOf), and
// Open migrates it (migrate.go). The new buckets' names differ from it so
// that a localca of schema 3 finds no keyspace it knows in a file of
// schema 4 and refuses it, quoting legacySchemaMark, instead of reading
// half of the keyspace.
var (
	boltBucket        = []byte("ordered")
	boltRandomBucket  = []byte("random")
	boltOneTreeBucket = []byte("kv")
)

// boltMarkBucket, in a file of schema 4, keeps a copy of the keyspace's
// meta/schema under that key. bbolt writes a bucket this small inline, in
// its parent's leaf: here the file's root page, which every transaction
// reads. A read-only Open reads the mark there instead of descending the
// ordered tree to meta/schema, one page per level of a tree three deep at
// 100,000 certificates: on a machine where each first touch of a page of
// the file's map is a fault of tens of µs, that descent was most of an
// open's time (docs/BENCHMARKS.md, issue 17).
//
// The copy is the engine's, not the keyspace's (ranges, Digest, `store
// copy` and etcd never see it), and it is part of the file's format: every
// write of meta/schema through a boltTx (Put, Delete, a Batch's undo)
// writes both in one transaction, so the two cannot differ. A reader
// takes the copy when it is there and the tree's value otherwise (a file
// written before the copy existed; Open adds the copy at its first
// writable open). A localca that changes meta/schema must write both, or
// delete this bucket.
var boltMarkBucket = []byte("mark")

// boltFillPercent is how full bbolt packs a page before it splits it, per
// tree. Keys that arrive in order fill the last page of their range and
// split off the next one: any value below 1 leaves that much of each page
// empty for good. Keys that arrive in no order want bbolt's half-and-half
// split: a split at 95% leaves a page of 5% that few later keys land on,
// and a page split in halves fills to about 0.69 on average (a B-tree's
// classic ln 2) before it splits again. Measured 2026-12-01: bytes in use
// per issue (BenchmarkStoreGrowth in package ca: 1,000 one-at-a-time
// issues, each keeping a 504-byte certificate and a 138-byte key; the
// records take 1,032 B) and per certificate in bulk (BenchmarkScale, 20,000
// certificates of 436 bytes in large transactions; records 768 B):
//
//	ordered   random   per issue   in bulk
//	one tree at 0.8     1,610 B    1,081 B   (schema 3)
//	1.0       0.5       1,339 B      910 B   (chosen)
//	1.0       0.6       1,364 B      875 B
//	1.0       0.7       1,372 B      851 B
//	1.0       0.8       1,499 B      836 B
//	0.95      0.5       1,368 B    1,010 B
//	0.9       0.5       1,683 B    1,012 B
//
// A store grows one issue at a time far more often than in bulk, so the
// random tree splits at 0.5. The per-issue figure varies by some 20 B
// between runs (the keys' fingerprints are random). Key records have
// since shrunk (keypem.go): 1,163-1,176 B per issue at the chosen values.
const (
	boltFillPercent       = 1.0
	boltRandomFillPercent = 0.5
	// boltSchema3FillPercent serves a schema-3 file's one tree: the best
	// single value for both kinds of order.
	boltSchema3FillPercent = 0.8
	// boltInOrderFillPercent is for a writer whose every key arrives in key
	// order, in both trees (Migrate's copy of a schema-3 file): full pages.
	boltInOrderFillPercent = 1.0
)

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
// for one user on one machine. A durable writable open keeps a log beside
// the file (bolt_wal.go): a commit in a stream is one sync of the log, and
// the revision is the sequence number of the logged group, kept in the
// file, so it grows across restarts. A file opened without a log (NoSync,
// read-only with nothing logged) counts bbolt's transaction ids instead.
// Watches see the writes of this process only; no other process can write
// while it holds the file's lock.
type BoltBackend struct {
	db   *bolt.DB
	path string
	// wmu orders commits and their watch notifications: bbolt runs one
	// writer at a time anyway, and notifying under the same lock keeps
	// watchers' events in commit order.
	wmu   sync.Mutex
	watch watchHub
	// inOrder: every write comes in key order (boltInOrderFillPercent).
	inOrder bool
	// readers keeps View's transactions for the next View: a list by
	// name is one View, and its boltTx one of its few allocations.
	readers sync.Pool
	// wal is the log in front of the file (bolt_wal.go), nil when there is
	// none (a read-only open of a file whose log is empty, NoSync); ov is
	// what it holds that the file does not have yet.
	wal *walState
	ov  atomic.Pointer[walOverlay]
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
			b.Close()
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
	b := &BoltBackend{db: db, path: path}
	if err := b.openWAL(o.ReadOnly, o.NoSync); err != nil {
		db.Close()
		return nil, err
	}
	return b, nil
}

// ensureBucket makes the keyspace's buckets in a new file. An existing file
// is only read: a write transaction would cost two fsyncs on every open.
func (b *BoltBackend) ensureBucket() (err error) {
	defer recoverCorrupt(b.path, &err)
	var ok bool
	err = b.db.View(func(tx *bolt.Tx) error {
		ok = tx.Bucket(boltBucket) != nil || tx.Bucket(boltOneTreeBucket) != nil
		return nil
	})
	if err != nil || ok {
		return err
	}
	return b.db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{boltBucket, boltRandomBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return markSchema(tx)
	})
}

// ensureMark gives a file of schema 4 written before boltMarkBucket existed
// its copy of meta/schema: one small commit, at its first writable open.
// Open calls it only when its inspection found the copy missing, and once
// the schema is known good, so that a file it refuses is never written to.
func (b *BoltBackend) ensureMark() (err error) {
	defer recoverCorrupt(b.path, &err)
	b.wmu.Lock()
	defer b.wmu.Unlock()
	if err := b.drain(); err != nil {
		return err
	}
	return b.db.Update(func(tx *bolt.Tx) error {
		ord := tx.Bucket(boltBucket)
		if ord == nil || tx.Bucket(boltMarkBucket) != nil {
			return nil
		}
		v := get(ord, kSchema)
		if v == nil {
			return nil
		}
		m, err := tx.CreateBucket(boltMarkBucket)
		if err != nil {
			return err
		}
		return m.Put(kSchema, clone(v))
	})
}

// schema is the schema of the file's layout (Status shows it): 4 with its
// two trees, 3 with boltOneTreeBucket alone. The keyspace inside is
// keyspaceSchema, or 3 (oneTreeSchema) until a writable open marks it 4.
func (b *BoltBackend) schema() (v int, err error) {
	defer recoverCorrupt(b.path, &err)
	v = SchemaVersion
	err = b.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(boltBucket) == nil {
			v = oneTreeSchema
		}
		return nil
	})
	return v, err
}

// View implements Backend.
func (b *BoltBackend) View(ctx context.Context, fn func(ReadTx) error) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.ov.Load() != nil {
		return b.viewLogged(fn)
	}
	defer recoverCorrupt(b.path, &err)
	return b.db.View(func(tx *bolt.Tx) error {
		t, _ := b.readers.Get().(*boltTx)
		if t == nil {
			t = &boltTx{}
		}
		*t = boltTx{tx: tx, rev: int64(tx.ID())}
		t.ord, t.rnd = buckets(tx)
		err := fn(t)
		*t = boltTx{} // fn keeps nothing of a View (Backend), nor does t
		b.readers.Put(t)
		return err
	})
}

// Update implements Backend.
func (b *BoltBackend) Update(ctx context.Context, fn func(WriteTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.logging() {
		return b.logged([]func(WriteTx) error{fn})[0]
	}
	return b.update(func(tx *boltTx) error { return fn(tx) })
}

// logging reports whether writes go through the log.
func (b *BoltBackend) logging() bool { return b.wal != nil && b.wal.log != nil }

// update runs fn in one bbolt write transaction and, once it is committed,
// tells the watchers what it changed. With a log, the file first takes
// everything logged.
func (b *BoltBackend) update(fn func(*boltTx) error) (err error) {
	b.wmu.Lock()
	defer b.wmu.Unlock()
	if err := b.drain(); err != nil {
		return err
	}
	var t *boltTx
	err = b.boltUpdate(func(tx *boltTx) error {
		t = tx
		t.watched = b.watch.active()
		return fn(t)
	})
	if err == nil && len(t.changes) > 0 {
		b.watch.notify(t.changes, t.rev)
	}
	return err
}

// boltUpdate runs fn in one bbolt write transaction, its trees split as
// their keys' order wants.
func (b *BoltBackend) boltUpdate(fn func(*boltTx) error) (err error) {
	defer recoverCorrupt(b.path, &err)
	return b.db.Update(func(tx *bolt.Tx) error {
		t := &boltTx{tx: tx, rev: int64(tx.ID())}
		t.ord, t.rnd = buckets(tx)
		switch {
		case t.ord == nil:
			return fmt.Errorf("store: %s has no keyspace (opened read-only before it was made?)", b.path)
		case b.inOrder:
			t.ord.FillPercent, t.rnd.FillPercent = boltInOrderFillPercent, boltInOrderFillPercent
		case t.rnd == t.ord:
			t.ord.FillPercent = boltSchema3FillPercent
		default:
			t.ord.FillPercent, t.rnd.FillPercent = boltFillPercent, boltRandomFillPercent
		}
		return fn(t)
	})
}

// Batch implements Backend: one transaction and one commit for all of fns
// (one logged group, or one bbolt transaction without a log).
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
	if b.logging() {
		return b.logged(fns)
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
	err := b.viewFile(ctx, true, func(rtx ReadTx) error {
		tx := rtx.(*boltTx).tx
		st.Revision = rtx.Revision()
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
	err := b.viewFile(ctx, false, func(rtx ReadTx) error {
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
	err := b.viewFile(ctx, false, func(rtx ReadTx) error {
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

// viewFile is View of the file alone, once it holds everything logged:
// what reads bbolt's own structures (pages, its copy, its check). A
// read-only open over a log it cannot apply gives the file as it is when
// partial is set (Status), and an error otherwise.
func (b *BoltBackend) viewFile(ctx context.Context, partial bool, fn func(ReadTx) error) error {
	if b.logging() {
		b.wmu.Lock()
		defer b.wmu.Unlock()
		if err := b.drain(); err != nil {
			return err
		}
	}
	return b.View(ctx, func(rtx ReadTx) error {
		if o, ok := rtx.(*ovReadTx); ok {
			if !partial {
				return fmt.Errorf("store: %s has writes in its log that the file does not hold yet: open it writable once to apply them", b.path)
			}
			rtx = o.base
		}
		return fn(rtx)
	})
}

// Path is the bbolt file.
func (b *BoltBackend) Path() string { return b.path }

// Close implements Backend: watchers' channels close, the file and its lock
// are released.
func (b *BoltBackend) Close() error {
	err := b.closeWAL()
	b.watch.closeAll()
	if cerr := b.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// buckets returns the file's two trees; a schema-3 file's one tree is
// both; nil, nil in a read-only file that has no keyspace yet.
func buckets(tx *bolt.Tx) (ord, rnd *bolt.Bucket) {
	ord, rnd = tx.Bucket(boltBucket), tx.Bucket(boltRandomBucket)
	if ord == nil {
		ord = tx.Bucket(boltOneTreeBucket)
		rnd = ord
	}
	return ord, rnd
}

// boltTx is a ReadTx or WriteTx over the keyspace buckets of one bbolt
// transaction.
type boltTx struct {
	tx *bolt.Tx
	// ord and rnd are the trees of keys that arrive in order and in none;
	// the same bucket in a schema-3 file; nil in a read-only file that has
	// no keyspace yet.
	ord, rnd *bolt.Bucket
	rev      int64 // this transaction's id
	// watched: record changes for the watchers.
	watched bool
	changes []WatchEvent
	// logging: keep undo for Batch.
	logging bool
	undo    []undoEntry
	// getters are Get's cursors into ord and rnd, made at a tree's first
	// Get and reused: a Seek starts from the tree's root whatever the
	// cursor did before, and a cursor per Get was two allocations of
	// every certificate a list decodes.
	getters [2]*bolt.Cursor
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

// bucket is the tree that holds key.
func (t *boltTx) bucket(key []byte) *bolt.Bucket {
	if randomOrder(key) {
		return t.rnd
	}
	return t.ord
}

func (t *boltTx) Get(key []byte) ([]byte, error) {
	if t.ord == nil {
		return nil, nil
	}
	if t.marked(key) {
		if m := t.tx.Bucket(boltMarkBucket); m != nil {
			if v := get(m, key); v != nil {
				return v, nil
			}
		}
	}
	i := 0
	if randomOrder(key) && t.rnd != t.ord {
		i = 1
	}
	c := t.getters[i]
	if c == nil {
		c = t.bucket(key).Cursor()
		t.getters[i] = c
	}
	return seekExact(c, key), nil
}

// get reads key in b through a cursor, not Bucket.Get: an empty value must
// read as a value (non-nil), not as absence.
func get(b *bolt.Bucket, key []byte) []byte { return seekExact(b.Cursor(), key) }

// seekExact is get through a cursor the caller keeps.
func seekExact(c *bolt.Cursor, key []byte) []byte {
	k, v := c.Seek(key)
	if k == nil || !bytes.Equal(k, key) {
		return nil
	}
	if v == nil {
		v = []byte{}
	}
	return v
}

// marked reports whether key has a copy in boltMarkBucket: meta/schema,
// in a file of schema 4 (a schema-3 file is left as that schema wrote it).
func (t *boltTx) marked(key []byte) bool {
	return t.rnd != t.ord && bytes.Equal(key, kSchema)
}

// Range reads one tree, or both, merged in key order, when the prefix
// spans kinds of both (a whole-keyspace scan: status, copy, digest).
func (t *boltTx) Range(prefix, start []byte, reverse bool, fn func(k, v []byte) error) error {
	if t.ord == nil {
		return nil
	}
	trees := t.rangeBuckets(prefix)
	if trees[1] == nil {
		return rangeTree(trees[0].Cursor(), prefix, start, reverse, fn)
	}
	var heads [2]rangeHead
	n := 0
	for _, b := range trees {
		if b != nil {
			h := &heads[n]
			h.c = b.Cursor()
			h.k, h.v = rangeStart(h.c, prefix, start, reverse)
			n++
		}
	}
	for {
		// The head whose key comes first in the range's direction.
		var h *rangeHead
		for i := range n {
			o := &heads[i]
			if o.k == nil || !bytes.HasPrefix(o.k, prefix) {
				continue
			}
			if h == nil || (bytes.Compare(o.k, h.k) < 0) != reverse {
				h = o
			}
		}
		if h == nil {
			return nil
		}
		v := h.v
		if v == nil {
			v = []byte{}
		}
		if err := fn(h.k, v); err != nil {
			if errors.Is(err, ErrStopRange) {
				return nil
			}
			return err
		}
		h.k, h.v = step(h.c, reverse)
	}
}

// rangeTree is Range over one tree: the prefix lies in a kind of one
// order, so there is nothing to merge.
func rangeTree(c *bolt.Cursor, prefix, start []byte, reverse bool, fn func(k, v []byte) error) error {
	k, v := rangeStart(c, prefix, start, reverse)
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

// step moves c to the next key in a range's direction.
func step(c *bolt.Cursor, reverse bool) ([]byte, []byte) {
	if reverse {
		return c.Prev()
	}
	return c.Next()
}

// rangeHead is a tree's cursor in a Range and the key it is at.
type rangeHead struct {
	c    *bolt.Cursor
	k, v []byte
}

// rangeBuckets are the trees that may hold keys with prefix (the second
// may be nil): one when prefix lies inside a kind, both when it spans
// kinds of both.
func (t *boltTx) rangeBuckets(prefix []byte) [2]*bolt.Bucket {
	switch {
	case t.rnd == t.ord || randomOrder(prefix):
		return [2]*bolt.Bucket{t.rnd}
	case spansRandomOrder(prefix):
		return [2]*bolt.Bucket{t.ord, t.rnd}
	}
	return [2]*bolt.Bucket{t.ord}
}

// rangeStart positions c at the first key of the range in its direction (nil
// when there is none; the caller checks the prefix).
func rangeStart(c *bolt.Cursor, prefix, start []byte, reverse bool) ([]byte, []byte) {
	if !reverse {
		from := prefix
		if start != nil && bytes.Compare(start, prefix) > 0 {
			from = start
		}
		return c.Seek(from)
	}
	to := PrefixEnd(prefix) // exclusive
	if start != nil && (to == nil || bytes.Compare(start, to) < 0) {
		if bytes.Compare(start, prefix) < 0 {
			return nil, nil
		}
		to = append(append([]byte(nil), start...), 0) // start itself is included
	}
	if to == nil {
		return c.Last()
	}
	if k, _ := c.Seek(to); k == nil {
		return c.Last()
	}
	return c.Prev()
}

func (t *boltTx) Put(key, value []byte) error {
	if err := t.logUndo(key); err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	if err := t.put(key, value); err != nil {
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
	if err := t.del(key); err != nil {
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
			err = t.put(u.key, old)
		} else {
			err = t.del(u.key)
		}
		if err != nil {
			return fmt.Errorf("store: undoing a failed write: %w", err)
		}
	}
	t.undo = t.undo[:0]
	return nil
}

// put writes key in its tree, and in boltMarkBucket when it has a copy
// there.
func (t *boltTx) put(key, value []byte) error {
	if err := t.bucket(key).Put(key, value); err != nil {
		return err
	}
	if !t.marked(key) {
		return nil
	}
	m, err := t.tx.CreateBucketIfNotExists(boltMarkBucket)
	if err != nil {
		return err
	}
	return m.Put(key, value)
}

// del deletes key from its tree, and from boltMarkBucket when it has a copy
// there.
func (t *boltTx) del(key []byte) error {
	if err := t.bucket(key).Delete(key); err != nil {
		return err
	}
	if !t.marked(key) {
		return nil
	}
	if m := t.tx.Bucket(boltMarkBucket); m != nil {
		return m.Delete(key)
	}
	return nil
}
