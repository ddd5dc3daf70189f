package store

import (
	"bytes"
	"errors"
	"slices"
	"sort"
)

// walOverlay holds the logged writes that the bbolt file does not have yet
// (wal.go): for each key, the last value written to it, or its deletion,
// and the group that wrote it. It is never changed once made: a reader
// keeps the one it loaded for its whole snapshot, while the writer makes
// the next with each group (with) and the applier the next with each
// transaction it commits (after).
type walOverlay struct {
	// rev is the last logged group's sequence number: the revision of a
	// snapshot that reads this overlay.
	rev int64
	es  []ovEntry // by key, one per key
}

type ovEntry struct {
	key, value []byte
	del        bool
	seq        int64
}

// find returns the index of the first entry whose key is >= key.
func (o *walOverlay) find(key []byte) int {
	return sort.Search(len(o.es), func(i int) bool { return bytes.Compare(o.es[i].key, key) >= 0 })
}

// get returns key's entry, or nil.
func (o *walOverlay) get(key []byte) *ovEntry {
	if len(o.es) == 0 {
		return nil
	}
	if i := o.find(key); i < len(o.es) && bytes.Equal(o.es[i].key, key) {
		return &o.es[i]
	}
	return nil
}

// with is o and g's writes, g's winning over o's.
func (o *walOverlay) with(g walGroup) *walOverlay {
	ops := slices.Clone(g.ops)
	slices.SortFunc(ops, func(a, b walOp) int { return bytes.Compare(a.key, b.key) })
	es := make([]ovEntry, 0, len(o.es)+len(ops))
	i := 0
	for _, op := range ops {
		for i < len(o.es) && bytes.Compare(o.es[i].key, op.key) < 0 {
			es = append(es, o.es[i])
			i++
		}
		if i < len(o.es) && bytes.Equal(o.es[i].key, op.key) {
			i++
		}
		es = append(es, ovEntry{key: op.key, value: op.value, del: op.del, seq: g.seq})
	}
	es = append(es, o.es[i:]...)
	return &walOverlay{rev: g.seq, es: es}
}

// after is o without what the groups up to applied wrote: the file has
// them now.
func (o *walOverlay) after(applied int64) *walOverlay {
	es := make([]ovEntry, 0, len(o.es))
	for _, e := range o.es {
		if e.seq > applied {
			es = append(es, e)
		}
	}
	return &walOverlay{rev: o.rev, es: es}
}

// ovReadTx is a snapshot of the file (base) with an overlay over it.
type ovReadTx struct {
	base ReadTx
	ov   *walOverlay
}

func (t *ovReadTx) Revision() int64 { return t.ov.rev }

// Writable: a snapshot is read-only (codec.go's dictionary cache asks).
func (t *ovReadTx) Writable() bool { return false }

func (t *ovReadTx) Get(key []byte) ([]byte, error) {
	if e := t.ov.get(key); e != nil {
		if e.del {
			return nil, nil
		}
		if e.value == nil {
			return []byte{}, nil
		}
		return e.value, nil
	}
	return t.base.Get(key)
}

func (t *ovReadTx) Range(prefix, start []byte, reverse bool, fn func(k, v []byte) error) error {
	return rangeOver(t.ov, t.base, prefix, start, reverse, fn)
}

// rangeOver is base's Range with ov's entries merged in: an entry of ov
// takes the place of base's key, or removes it (a deletion).
func rangeOver(ov *walOverlay, base ReadTx, prefix, start []byte, reverse bool, fn func(k, v []byte) error) error {
	es := ov.inRange(prefix, start, reverse)
	if len(es) == 0 {
		return base.Range(prefix, start, reverse, fn)
	}
	// before reports whether a comes before b in the range's direction.
	before := func(a, b []byte) bool {
		if c := bytes.Compare(a, b); reverse {
			return c > 0
		} else {
			return c < 0
		}
	}
	i := 0
	emit := func(e *ovEntry) error {
		if e.del {
			return nil
		}
		v := e.value
		if v == nil {
			v = []byte{}
		}
		return fn(e.key, v)
	}
	stopped := false
	err := base.Range(prefix, start, reverse, func(k, v []byte) error {
		for ; i < len(es) && before(es[i].key, k); i++ {
			if err := emit(&es[i]); err != nil {
				stopped = true
				return err
			}
		}
		if i < len(es) && bytes.Equal(es[i].key, k) {
			e := &es[i]
			i++
			if err := emit(e); err != nil {
				stopped = true
				return err
			}
			return nil
		}
		if err := fn(k, v); err != nil {
			stopped = true
			return err
		}
		return nil
	})
	if err != nil || stopped {
		return err
	}
	for ; i < len(es); i++ {
		if err := emit(&es[i]); err != nil {
			if errors.Is(err, ErrStopRange) {
				return nil
			}
			return err
		}
	}
	return nil
}

// inRange returns ov's entries that a Range of prefix from start visits,
// in its order (a fresh slice when reversed).
func (o *walOverlay) inRange(prefix, start []byte, reverse bool) []ovEntry {
	if len(o.es) == 0 {
		return nil
	}
	lo, hi := o.find(prefix), len(o.es)
	if end := PrefixEnd(prefix); end != nil {
		hi = o.find(end)
	}
	if lo >= hi {
		return nil
	}
	if start != nil {
		if !reverse {
			if s := o.find(start); s > lo {
				lo = min(s, hi)
			}
		} else if s := o.find(append(append([]byte(nil), start...), 0)); s < hi {
			hi = max(s, lo)
		}
	}
	es := o.es[lo:hi]
	if reverse {
		es = slices.Clone(es)
		slices.Reverse(es)
	}
	return es
}

// ovWriteTx is one logged group in the making: its writes, over a
// snapshot of the file and the overlay. A Batch's failed fn is undone
// from undo.
type ovWriteTx struct {
	ovReadTx
	idx    map[string]int // key -> ws index
	ws     []walOp
	gone   []bool // ws[i] was undone
	undo   []ovUndo
	keeps  bool           // record undo (a Batch of more than one fn)
	writes int            // live writes
	kinds  map[string]int // live writes by keyKind
}

type ovUndo struct {
	key  string
	prev int // ws index before the write, -1 for none
}

func (t *ovWriteTx) Writable() bool { return true }

// reuse empties t for the next group and returns it. A group of many
// certificates writes over a thousand keys, and growing a new index and
// new lists for each group was 1.2 KB of garbage an issue (ECDSA, 256
// callers). The last group's keys and values stay referenced until then.
func (t *ovWriteTx) reuse() *ovWriteTx {
	clear(t.idx)
	clear(t.kinds)
	clear(t.ws) // the old ops beyond ws[:0] would keep their keys and values
	*t = ovWriteTx{idx: t.idx, kinds: t.kinds, ws: t.ws[:0], gone: t.gone[:0], undo: t.undo[:0]}
	return t
}

// committed is the view under t's writes: the file and the logged groups.
func (t *ovWriteTx) committed() ReadTx { return &t.ovReadTx }

func (t *ovWriteTx) Get(key []byte) ([]byte, error) {
	if i, ok := t.idx[string(key)]; ok {
		op := &t.ws[i]
		if op.del {
			return nil, nil
		}
		return op.value, nil
	}
	return t.ovReadTx.Get(key)
}

// Range merges in the group's own writes under prefix. A group of many
// certificates ranges once per certificate (the issuer's lookup under
// authority/): the writes of the kinds it ranges over are counted so
// that a range over a kind the group did not write costs nothing.
func (t *ovWriteTx) Range(prefix, start []byte, reverse bool, fn func(k, v []byte) error) error {
	if t.writes == 0 {
		return t.ovReadTx.Range(prefix, start, reverse, fn)
	}
	if kind, whole := keyKind(prefix); whole && t.kinds[kind] == 0 {
		return t.ovReadTx.Range(prefix, start, reverse, fn)
	}
	var ops []walOp
	for i, op := range t.ws {
		if !t.gone[i] && bytes.HasPrefix(op.key, prefix) {
			ops = append(ops, op)
		}
	}
	if len(ops) == 0 {
		return t.ovReadTx.Range(prefix, start, reverse, fn)
	}
	own := (&walOverlay{rev: t.ov.rev}).with(walGroup{ops: ops})
	return rangeOver(own, &t.ovReadTx, prefix, start, reverse, fn)
}

// keyKind is key's kind: its bytes up to the first '/', which is included;
// whole is false when key has no '/' (a prefix that spans kinds).
func keyKind(key []byte) (kind string, whole bool) {
	i := bytes.IndexByte(key, '/')
	if i < 0 {
		return "", false
	}
	return string(key[:i+1]), true
}

func (t *ovWriteTx) Put(key, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	t.write(walOp{key: key, value: value})
	return nil
}

func (t *ovWriteTx) Delete(key []byte) error {
	t.write(walOp{key: key, del: true})
	return nil
}

func (t *ovWriteTx) write(op walOp) {
	if t.idx == nil {
		t.idx = make(map[string]int)
	}
	k := string(op.key)
	prev, ok := t.idx[k]
	if !ok {
		prev = -1
		t.writes++
		t.countKind(op.key, 1)
	}
	if t.keeps {
		t.undo = append(t.undo, ovUndo{key: k, prev: prev})
	}
	t.idx[k] = len(t.ws)
	t.ws = append(t.ws, op)
	t.gone = append(t.gone, false)
	if prev >= 0 {
		t.gone[prev] = true
	}
}

func (t *ovWriteTx) countKind(key []byte, d int) {
	kind, ok := keyKind(key)
	if !ok {
		return
	}
	if t.kinds == nil {
		t.kinds = make(map[string]int)
	}
	t.kinds[kind] += d
}

// begin starts a Batch's fn: what it writes from here can be undone.
func (t *ovWriteTx) begin() { t.keeps, t.undo = true, t.undo[:0] }

// rollback undoes the current fn's writes, newest first.
func (t *ovWriteTx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		u := t.undo[i]
		cur := t.idx[u.key]
		t.gone[cur] = true
		if u.prev < 0 {
			delete(t.idx, u.key)
			t.writes--
			t.countKind([]byte(u.key), -1)
			continue
		}
		t.idx[u.key] = u.prev
		t.gone[u.prev] = false
	}
	t.undo = t.undo[:0]
}

// live is the group's writes, the last of each key.
func (t *ovWriteTx) live() []walOp {
	ops := make([]walOp, 0, t.writes)
	for i, op := range t.ws {
		if !t.gone[i] {
			ops = append(ops, op)
		}
	}
	return ops
}
