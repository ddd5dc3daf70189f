package store

import (
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// boltWALBucket keeps, under walAppliedKey, the sequence number of the
// last logged group the file holds. Like boltMarkBucket it is the engine's,
// not the keyspace's: no Range, Digest or copy sees it.
var (
	boltWALBucket = []byte("wal")
	walAppliedKey = []byte("applied")
)

// walState is a BoltBackend's log (wal.go) and what is logged but not yet
// in the file.
type walState struct {
	log *wal // nil in a read-only open: the overlay is all there is
	// mu guards pending, applied, err and the overlay's replacement; cond
	// tells waiters (drain) that the applier committed or failed.
	mu   sync.Mutex
	cond sync.Cond
	// applying is held while the file takes groups (one apply at a time);
	// a test holds it to keep groups in the log alone.
	applying sync.Mutex
	// pending are the groups logged and not yet in the file, in order.
	pending []walGroup
	applied int64
	// err stops every later write: a log or an applier that failed leaves
	// the file and the log as the last success left them, and the next
	// open applies the log.
	err    error
	kick   chan struct{}
	hurry  chan struct{} // someone waits for the file: apply now
	stop   chan struct{}
	closed bool // under wmu
	// tx is the write transaction logged fills, kept from group to group
	// (under wmu): its index and lists are sized for the next group.
	tx ovWriteTx
	// lastWrite is when the last group was committed (under wmu); a lone
	// write more than coldAfter later goes into the file directly (logged).
	// coldAfter is walApplyDelay; tests make it long, to log every group.
	lastWrite time.Time
	coldAfter time.Duration
	done      chan struct{}
}

// appliedIn is the last logged group the file holds (0: none).
func appliedIn(tx *bolt.Tx) int64 {
	if b := tx.Bucket(boltWALBucket); b != nil {
		if v := b.Get(walAppliedKey); len(v) == 8 {
			return int64(binary.BigEndian.Uint64(v))
		}
	}
	return 0
}

// openWAL readies the log beside the file: the groups the file lacks are
// put into it (writable) or kept in memory (read-only), and a durable
// writable open gets a log and its applier. A log whose groups do not
// follow the file's last (another file's log, or a file restored from a
// backup while its log stayed) is refused rather than applied.
func (b *BoltBackend) openWAL(readOnly, noSync bool) (err error) {
	defer recoverCorrupt(b.path, &err)
	path := walPath(b.path)
	var w *wal
	var gs []walGroup
	if readOnly {
		// Most often there is no log, or an empty one: the open costs the
		// read of its head, and not a look into the file.
		if gs, err = readWAL(path); err != nil || len(gs) == 0 {
			return err
		}
	}
	var applied int64
	var oneTree bool
	if err := b.db.View(func(tx *bolt.Tx) error {
		applied = appliedIn(tx)
		oneTree = tx.Bucket(boltOneTreeBucket) != nil
		return nil
	}); err != nil {
		return err
	}
	if oneTree {
		// A file of schema 3 is read and written as that schema left it,
		// until Open migrates it: no log, no bucket it did not have.
		return nil
	}
	if !readOnly {
		if w, gs, err = openWAL(path); err != nil {
			return err
		}
	}
	for len(gs) > 0 && gs[0].seq <= applied {
		gs = gs[1:]
	}
	if len(gs) > 0 && gs[0].seq != applied+1 {
		if w != nil {
			w.close()
		}
		return fmt.Errorf("%w: the log %s holds writes %d to %d, but %s holds writes up to %d only: the log is not this file's (was the file restored from a backup without its log?); move the log away to open the file as it is",
			ErrCorrupt, path, gs[0].seq, gs[len(gs)-1].seq, b.path, applied)
	}
	rev := applied
	if len(gs) > 0 {
		rev = gs[len(gs)-1].seq
	}
	st := &walState{applied: rev}
	st.cond.L = &st.mu
	ov := &walOverlay{rev: rev}
	if readOnly {
		for _, g := range gs {
			ov = ov.with(g)
		}
		st.pending = gs
		st.applied = applied
		if len(gs) == 0 {
			return nil // no log: the plain file
		}
		b.wal = st
		b.ov.Store(ov)
		return nil
	}
	if len(gs) > 0 {
		if err := b.applyGroups(gs); err != nil {
			w.close()
			return fmt.Errorf("store: applying the log %s to %s: %w", path, b.path, err)
		}
	}
	if len(gs) > 0 {
		if err := w.clear(); err != nil {
			w.close()
			return err
		}
	}
	if noSync {
		return w.close() // the benchmarks of no durability write the file alone
	}
	st.log = w
	st.coldAfter = walApplyDelay
	st.kick, st.hurry = make(chan struct{}, 1), make(chan struct{}, 1)
	st.stop, st.done = make(chan struct{}), make(chan struct{})
	b.wal = st
	b.ov.Store(ov)
	go b.applier()
	return nil
}

// applyGroups puts logged groups into the file, in one bbolt transaction
// with their last sequence number.
func (b *BoltBackend) applyGroups(gs []walGroup) error {
	return b.boltUpdate(func(t *boltTx) error {
		for _, g := range gs {
			for _, op := range g.ops {
				var err error
				if op.del {
					err = t.del(op.key)
				} else {
					err = t.put(op.key, op.value)
				}
				if err != nil {
					return fmt.Errorf("store: applying %q: %w", op.key, err)
				}
			}
		}
		wb, err := t.tx.CreateBucketIfNotExists(boltWALBucket)
		if err != nil {
			return err
		}
		return wb.Put(walAppliedKey, binary.BigEndian.AppendUint64(nil, uint64(gs[len(gs)-1].seq)))
	})
}

// walApplyDelay is how long the applier lets logged groups gather before it
// puts them into the file. Each bbolt commit costs two fdatasyncs that
// the log's own sync then queues behind on the same disk; gathering turns
// a commit per group into one per delay. Measured 2026-12-02 (alternated
// runs of BenchmarkIssuance at 300 issues a side, durable throughput over
// the no-store pipeline): ECDSA with one caller 0.35 with no delay, 0.43
// at 1 ms, 0.47-0.49 at 3 ms, 0.50-0.51 at 10 ms, 0.51 at 30 ms; 64
// callers 0.72 with none and 0.73-0.81 from 3 ms on, within the noise.
// The cost of a longer delay is memory: what was logged meanwhile stays in
// the overlay, and every read merges it.
const walApplyDelay = 10 * time.Millisecond

// applier puts what is logged into the file, as many groups a transaction
// as have been logged since the last, until Close.
func (b *BoltBackend) applier() {
	st := b.wal
	defer close(st.done)
	for {
		select {
		case <-st.kick:
		case <-st.hurry:
		case <-st.stop:
			b.applyPending() // Close drained under wmu; this is only a last look
			return
		}
		t := time.NewTimer(walApplyDelay)
		select {
		case <-t.C:
		case <-st.hurry:
			t.Stop()
		case <-st.stop:
			t.Stop()
		}
		if !b.applyPending() {
			<-st.stop
			return
		}
	}
}

// applyPending applies the pending groups; false when that failed (the
// error is st.err).
func (b *BoltBackend) applyPending() bool {
	st := b.wal
	st.applying.Lock()
	defer st.applying.Unlock()
	st.mu.Lock()
	gs := st.pending
	st.mu.Unlock()
	if len(gs) == 0 {
		return true
	}
	err := b.applyGroups(gs)
	st.mu.Lock()
	defer st.mu.Unlock()
	defer st.cond.Broadcast()
	if err != nil {
		st.err = fmt.Errorf("store: the log %s could not be applied to %s (it will be at the next open): %w", st.log.path, b.path, err)
		return false
	}
	last := gs[len(gs)-1].seq
	st.pending = st.pending[len(gs):]
	st.applied = last
	b.ov.Store(b.ov.Load().after(last))
	return true
}

// flushLog puts everything logged into the file, and holds back writers
// meanwhile.
func (b *BoltBackend) flushLog() error {
	if !b.logging() {
		return nil
	}
	b.wmu.Lock()
	defer b.wmu.Unlock()
	return b.drain()
}

// drain waits, under wmu, until the file holds every logged group, so that
// what reads or writes the file directly (bbolt's copy, its check, Open's
// marks) sees everything.
func (b *BoltBackend) drain() error {
	st := b.wal
	if st == nil || st.log == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.waitApplied()
}

// waitApplied waits, with mu held, until nothing logged is pending or the
// applier failed (its error).
func (st *walState) waitApplied() error {
	if len(st.pending) > 0 {
		st.hasten()
	}
	for len(st.pending) > 0 && st.err == nil {
		st.cond.Wait()
	}
	return st.err
}

// hasten tells the applier that someone waits for it.
func (st *walState) hasten() {
	select {
	case st.hurry <- struct{}{}:
	default:
	}
}

// logged runs fns (Update: one, Batch: several) as one logged group: over
// a snapshot of the file and the overlay, then written to the log, synced,
// and put in the overlay for readers and the applier.
func (b *BoltBackend) logged(fns []func(WriteTx) error) (errs []error) {
	errs = make([]error, len(fns))
	fail := func(err error) []error {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
		return errs
	}
	st := b.wal
	b.wmu.Lock()
	defer b.wmu.Unlock()
	st.mu.Lock()
	err := st.err
	st.mu.Unlock()
	if err != nil {
		return fail(err)
	}
	ov := b.ov.Load()
	t := st.tx.reuse()
	if err := b.snapshot(ov, func(base ReadTx) error {
		t.ovReadTx = ovReadTx{base: base, ov: ov}
		for i, fn := range fns {
			if len(fns) > 1 {
				t.begin()
			}
			if errs[i] = fn(t); errs[i] != nil {
				if len(fns) == 1 {
					return nil // Update: nothing of it is logged
				}
				t.rollback()
			}
		}
		return nil
	}); err != nil {
		return fail(err)
	}
	t.ovReadTx = ovReadTx{} // t is kept for the next group: it holds no snapshot
	if t.writes == 0 || (len(fns) == 1 && errs[0] != nil) {
		return errs
	}
	entry, g := encodeWAL(ov.rev+1, t.live())
	_, mark := t.idx[string(kSchema)]
	now := time.Now()
	// Only a lone write is cold: a group of several records is a stream,
	// though under load (256 callers on 2 CPUs) more than coldAfter may
	// pass between groups while the callers prepare the next. Taking those
	// directly into the file put bbolt's two syncs on every group's path.
	cold := len(fns) == 1 && now.Sub(st.lastWrite) > st.coldAfter
	st.lastWrite = now
	if mark || cold {
		// Into the file itself. The schema mark never goes into the log
		// alone: a localca that knows no log reads the file, and must find
		// there the mark that makes it refuse the file before any write
		// it cannot see is logged. A lone write after a pause (a one-shot
		// command's only one) would pay the log's sync and then, at once,
		// the applier's two: it pays bbolt's two alone, and the log is not
		// even made until writes come in a stream.
		if err := b.drain(); err != nil {
			return fail(err)
		}
		if err := b.applyGroups([]walGroup{g}); err != nil {
			return fail(err)
		}
		st.mu.Lock()
		st.applied = g.seq
		b.ov.Store(&walOverlay{rev: g.seq})
		st.mu.Unlock()
	} else {
		if err := b.logAppend(entry, ov.rev); err != nil {
			st.mu.Lock()
			st.err = err
			st.mu.Unlock()
			return fail(err)
		}
		st.mu.Lock()
		b.ov.Store(b.ov.Load().with(g))
		st.pending = append(st.pending, g)
		st.mu.Unlock()
		select {
		case st.kick <- struct{}{}:
		default:
		}
	}
	if b.watch.active() {
		changes := make([]WatchEvent, len(g.ops))
		for i, op := range g.ops {
			changes[i] = WatchEvent{Key: op.key, Value: op.value, Deleted: op.del}
		}
		b.watch.notify(changes, g.seq)
	}
	return errs
}

// logAppend writes and syncs a group's entry. The log starts again from
// its beginning when the file holds every group before it (last is the
// latest logged); when it has grown past walResetAt, the writer waits for
// the applier first.
func (b *BoltBackend) logAppend(entry []byte, last int64) error {
	st := b.wal
	st.mu.Lock()
	caughtUp := st.applied == last
	if !caughtUp && st.log.full(len(entry)) {
		if err := st.waitApplied(); err != nil {
			st.mu.Unlock()
			return err
		}
		caughtUp = true
	}
	st.mu.Unlock()
	return st.log.append(entry, caughtUp)
}

// snapshot runs fn over a bbolt read transaction that, with ov over it,
// is the state of ov's revision: the file holds no group ov has not seen.
// ok false means the applier committed a group newer than ov meanwhile;
// View then loads the overlay again (logged never meets it: it holds wmu,
// so no group is newer than the overlay it loaded).
func (b *BoltBackend) snapshot(ov *walOverlay, fn func(ReadTx) error) (err error) {
	defer recoverCorrupt(b.path, &err)
	tx, err := b.db.Begin(false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if a := appliedIn(tx); a > ov.rev {
		return errOverlayStale
	}
	t := &boltTx{tx: tx, rev: ov.rev}
	t.ord, t.rnd = buckets(tx)
	return fn(t)
}

// viewLogged is View over the file and the overlay.
func (b *BoltBackend) viewLogged(fn func(ReadTx) error) error {
	for {
		ov := b.ov.Load()
		err := b.snapshot(ov, func(base ReadTx) error {
			if len(ov.es) == 0 {
				return fn(base)
			}
			return fn(&ovReadTx{base: base, ov: ov})
		})
		if err != errOverlayStale {
			return err
		}
	}
}

// closeWAL stops the applier once the file holds every logged group, and
// removes the log: the next open then looks for it in one failed open(2).
// A log or applier that failed keeps the log for the next open.
func (b *BoltBackend) closeWAL() error {
	st := b.wal
	if st == nil || st.log == nil {
		return nil
	}
	b.wmu.Lock()
	defer b.wmu.Unlock()
	if st.closed {
		return nil
	}
	st.closed = true
	err := b.drain()
	close(st.stop)
	<-st.done
	if err != nil {
		st.log.close()
		return err // the log stays for the next open to apply
	}
	return st.log.remove()
}
