package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// etcdPage is how many keys one Range request asks for: large enough that a
// listing costs few round trips, small enough that a reply stays far below
// etcd's message limit.
const etcdPage = 256

// etcdRetries bounds how often Update runs its function again after a
// conflicting commit; contention that outlasts it is reported, not hidden.
const etcdRetries = 64

// etcdTx is a transaction on etcd: reads at one pinned revision, writes
// buffered until commit, and the record of what was read, which becomes the
// commit's compares.
type etcdTx struct {
	b   *EtcdBackend
	ctx context.Context
	rev int64 // 0 until the first read pins it
	// base holds writes of earlier functions of the same batch: this
	// function sees them, and they are committed with it.
	base *overlay
	own  *overlay
	// reads are the keys read from etcd (not from a buffer) with their mod
	// revision, 0 when absent; ranges are the prefixes ranged over.
	reads  map[string]int64
	ranges map[string]bool
	// cache holds values read ahead at rev (prefetch); discover, when not
	// nil, makes this a trial that records the keys it Gets and answers
	// them as absent (its Ranges read etcd: they are rare, and a trial
	// must not hide what is there from, say, the id generator's start).
	cache    *prefetched
	discover map[string]bool
}

// overlay is a buffer of writes; a nil value marks a deletion.
type overlay struct {
	m map[string][]byte
}

func newOverlay() *overlay { return &overlay{m: map[string][]byte{}} }

func (o *overlay) get(k string) (v []byte, deleted, ok bool) {
	if o == nil {
		return nil, false, false
	}
	v, ok = o.m[k]
	return v, ok && v == nil, ok
}

func (b *EtcdBackend) newTx(ctx context.Context, rev int64, base *overlay) *etcdTx {
	return &etcdTx{b: b, ctx: ctx, rev: rev, base: base, own: newOverlay(),
		reads: map[string]int64{}, ranges: map[string]bool{}}
}

// get reads one key from etcd at the pinned revision.
func (t *etcdTx) fetch(key string, opts ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	if t.rev != 0 {
		opts = append(opts, clientv3.WithRev(t.rev))
	}
	c, cancel := t.b.ctx(t.ctx)
	defer cancel()
	r, err := t.b.cli.Get(c, key, opts...)
	if err != nil {
		return nil, t.b.wrap(t.ctx, "reading", err)
	}
	if t.rev == 0 {
		t.rev = r.Header.Revision
	}
	return r, nil
}

func (t *etcdTx) Revision() int64 {
	if t.rev == 0 {
		if r, err := t.b.Revision(t.ctx); err == nil {
			t.rev = r
		}
	}
	return t.rev
}

func (t *etcdTx) Get(key []byte) ([]byte, error) {
	k := string(key)
	for _, o := range []*overlay{t.own, t.base} {
		if v, deleted, ok := o.get(k); ok {
			if deleted {
				return nil, nil
			}
			return v, nil
		}
	}
	if t.discover != nil {
		t.discover[k] = true
		return nil, nil
	}
	if t.cache != nil {
		c, ok := t.cache.kvs[k]
		if ok || t.cache.absent(k) {
			t.reads[k] = c.modRev // 0: absent
			if !c.found {
				return nil, nil
			}
			return c.value, nil
		}
	}
	r, err := t.fetch(t.b.key(key))
	if err != nil {
		return nil, err
	}
	var c cachedKV
	if len(r.Kvs) > 0 {
		c = cachedKV{value: nonNil(r.Kvs[0].Value), modRev: r.Kvs[0].ModRevision, found: true}
	}
	if t.cache != nil {
		// Read at the batch's revision: the batch's later functions (run
		// one after the other) read it from here (the issuer's record).
		t.cache.kvs[k] = c
	}
	t.reads[k] = c.modRev
	if !c.found {
		return nil, nil
	}
	return c.value, nil
}

// Range merges etcd's keys at the pinned revision with the buffered writes,
// in order, a page at a time.
func (t *etcdTx) Range(prefix, start []byte, reverse bool, fn func(k, v []byte) error) error {
	t.ranges[string(prefix)] = true
	pending := t.buffered(prefix, start, reverse)
	err := t.rangeEtcd(prefix, start, reverse, func(k, v []byte) error {
		for len(pending) > 0 && before(pending[0].k, k, reverse) {
			if err := emit(pending[0], fn); err != nil {
				return err
			}
			pending = pending[1:]
		}
		if len(pending) > 0 && bytes.Equal(pending[0].k, k) {
			p := pending[0]
			pending = pending[1:]
			return emit(p, fn)
		}
		return fn(k, v)
	})
	for err == nil && len(pending) > 0 {
		err = emit(pending[0], fn)
		pending = pending[1:]
	}
	if errors.Is(err, ErrStopRange) {
		return nil
	}
	return err
}

type kv struct {
	k, v    []byte
	deleted bool
}

func emit(p kv, fn func(k, v []byte) error) error {
	if p.deleted {
		return nil
	}
	return fn(p.k, p.v)
}

func before(a, b []byte, reverse bool) bool {
	if reverse {
		return bytes.Compare(a, b) > 0
	}
	return bytes.Compare(a, b) < 0
}

// buffered returns the buffered writes under prefix from start, in range
// order, own writes shadowing the batch's.
func (t *etcdTx) buffered(prefix, start []byte, reverse bool) []kv {
	seen := map[string]bool{}
	var out []kv
	for _, o := range []*overlay{t.own, t.base} {
		if o == nil {
			continue
		}
		for k, v := range o.m {
			kb := []byte(k)
			if seen[k] || !bytes.HasPrefix(kb, prefix) {
				continue
			}
			if start != nil && ((!reverse && bytes.Compare(kb, start) < 0) || (reverse && bytes.Compare(kb, start) > 0)) {
				continue
			}
			seen[k] = true
			out = append(out, kv{k: kb, v: v, deleted: v == nil})
		}
	}
	sort.Slice(out, func(i, j int) bool { return before(out[i].k, out[j].k, reverse) })
	return out
}

func (t *etcdTx) rangeEtcd(prefix, start []byte, reverse bool, fn func(k, v []byte) error) error {
	lo := t.b.key(prefix)
	hi := clientv3.GetPrefixRangeEnd(lo)
	if start != nil {
		if reverse {
			hi = t.b.key(start) + "\x00"
		} else if s := t.b.key(start); s > lo {
			lo = s
		}
	}
	order := clientv3.SortAscend
	if reverse {
		order = clientv3.SortDescend
	}
	for {
		page := fmt.Sprintf("%s\x00%s\x00%d", lo, hi, order)
		var r *clientv3.GetResponse
		if t.cache != nil {
			r = t.cache.pages[page] // the same page, read by an earlier function of the batch
		}
		if r == nil {
			var err error
			if r, err = t.fetch(lo, clientv3.WithRange(hi), clientv3.WithLimit(etcdPage), clientv3.WithSort(clientv3.SortByKey, order)); err != nil {
				return err
			}
			if t.cache != nil {
				t.cache.pages[page] = r
			}
		}
		for _, e := range r.Kvs {
			if err := fn(e.Key[len(t.b.prefix):], nonNil(e.Value)); err != nil {
				return err
			}
		}
		if !r.More || len(r.Kvs) == 0 {
			return nil
		}
		last := string(r.Kvs[len(r.Kvs)-1].Key)
		if reverse {
			hi = last
		} else {
			lo = last + "\x00"
		}
	}
}

func (t *etcdTx) Put(key, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	t.own.m[string(key)] = value
	return nil
}

func (t *etcdTx) Delete(key []byte) error {
	t.own.m[string(key)] = nil
	return nil
}

// compares are the conditions under which what this transaction read is
// still true: every key read is unchanged (absent keys still absent) and no
// key under a ranged prefix changed after the pinned revision.
func (t *etcdTx) compares() []clientv3.Cmp {
	var cmps []clientv3.Cmp
	for k, rev := range t.reads {
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(t.b.key([]byte(k))), "=", rev))
	}
	for p := range t.ranges {
		if t.rev == 0 {
			continue // nothing was read from etcd
		}
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(t.b.key([]byte(p))), "<", t.rev+1).WithPrefix())
	}
	return cmps
}

func opsOf(o *overlay, b *EtcdBackend) []clientv3.Op {
	keys := make([]string, 0, len(o.m))
	for k := range o.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ops := make([]clientv3.Op, 0, len(keys))
	for _, k := range keys {
		if v := o.m[k]; v == nil {
			ops = append(ops, clientv3.OpDelete(b.key([]byte(k))))
		} else {
			ops = append(ops, clientv3.OpPut(b.key([]byte(k)), string(v)))
		}
	}
	return ops
}

// View runs fn at one revision of etcd.
func (b *EtcdBackend) View(ctx context.Context, fn func(ReadTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(b.newTx(ctx, 0, nil))
}

// Update runs fn and commits its writes in one Txn guarded by what fn
// read; on a conflict it runs fn again on fresh data.
func (b *EtcdBackend) Update(ctx context.Context, fn func(WriteTx) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := b.newTx(ctx, 0, nil)
		if err := fn(t); err != nil {
			return err
		}
		ok, err := b.commit(ctx, t.compares(), opsOf(t.own, b))
		if err != nil || ok {
			return err
		}
		if attempt >= etcdRetries {
			return fmt.Errorf("store: etcd: transaction still conflicting after %d attempts", attempt+1)
		}
		backoff(attempt)
	}
}

// commit sends one Txn; ok is false when a compare failed.
func (b *EtcdBackend) commit(ctx context.Context, cmps []clientv3.Cmp, ops []clientv3.Op) (bool, error) {
	if len(ops) == 0 {
		return true, nil // a read-only transaction commits nothing
	}
	if len(ops) > maxTxnOps || len(cmps) > maxTxnOps {
		return false, fmt.Errorf("%w: %d writes and %d conditions (etcd allows %d of each)", ErrTxnTooLarge, len(ops), len(cmps), maxTxnOps)
	}
	c, cancel := b.ctx(ctx)
	defer cancel()
	r, err := b.cli.Txn(c).If(cmps...).Then(ops...).Commit()
	if err != nil {
		return false, b.wrap(ctx, "committing", err)
	}
	return r.Succeeded, nil
}

// backoff spreads out writers that conflicted so they do not collide again
// in lockstep.
func backoff(attempt int) {
	d := time.Duration(1+min(attempt, 6)) * time.Millisecond
	time.Sleep(d/2 + rand.N(d))
}

// Batch runs fns one after the other over a shared buffer and commits the
// ones that succeeded together, in as few Txns as etcd's operation limit
// allows. A chunk whose commit fails has each of its functions run again
// alone, so that each gets its own answer.
func (b *EtcdBackend) Batch(ctx context.Context, fns []func(WriteTx) error) []error {
	errs := make([]error, len(fns))
	for i := 0; i < len(fns); {
		base := newOverlay()
		var cmps []clientv3.Cmp
		var members []int
		var cache *prefetched
		rev := int64(0)
		if !b.noPrefetch && len(fns)-i > 1 {
			if cache = b.prefetch(ctx, fns[i:min(len(fns), i+prefetchAhead)]); cache != nil {
				rev = cache.rev
			}
		}
		j := i
		for ; j < len(fns); j++ {
			t := b.newTx(ctx, rev, base)
			t.cache = cache
			if err := fns[j](t); err != nil {
				errs[j] = err
				continue
			}
			rev = t.rev
			nc := t.compares()
			merged := len(base.m)
			for k := range t.own.m {
				if _, ok := base.m[k]; !ok {
					merged++
				}
			}
			if len(members) > 0 && (merged > maxTxnOps || len(cmps)+len(nc) > maxTxnOps) {
				break // this one starts the next chunk
			}
			for k, v := range t.own.m {
				base.m[k] = v
			}
			cmps = append(cmps, nc...)
			members = append(members, j)
		}
		if len(members) > 0 {
			ok, err := b.commit(ctx, cmps, opsOf(base, b))
			if err != nil || !ok {
				for _, m := range members {
					errs[m] = b.Update(ctx, fns[m])
				}
			}
		}
		if j == i {
			j++
		}
		i = j
	}
	return errs
}

// nonNil keeps an empty value present: etcd's client gives nil for it, and
// the contract says an empty value is a value.
func nonNil(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}
