// Package backendtest is the one test suite every store.Backend engine
// passes: the bbolt file's, etcd's, and any other. An engine's tests call
// Run with a function that makes a fresh, empty place for it (a temporary
// file, an unused etcd prefix) and returns how to open a Backend there:
//
//	func TestBackend(t *testing.T) {
//		backendtest.Run(t, func(t *testing.T) func() store.Backend {
//			path := filepath.Join(t.TempDir(), "kv.db")
//			return func() store.Backend {
//				b, err := store.OpenBolt(path, nil)
//				if err != nil {
//					t.Fatal(err)
//				}
//				return b
//			}
//		})
//	}
//
// The suite closes every Backend it opens. It asserts the contract written
// on store.Backend: ordered prefix ranges in both directions, reads that
// see a transaction's own writes, all-or-nothing updates, batches whose
// failing members leave nothing and fail alone, serializable checks under
// concurrent writers (exactly one of many "put if absent" wins, no lost
// increment), growing revisions, watches in commit order, and durability
// across a reopen.
package backendtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/localca/localca/store"
)

// Opener makes a fresh, empty place for an engine and returns a function
// that opens a Backend over it; calling it again after Close opens the same
// data again.
type Opener func(t *testing.T) (open func() store.Backend)

// Run runs the whole suite, each case in its own subtest and place.
func Run(t *testing.T, opener Opener) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(t *testing.T, open func() store.Backend)
	}{
		{"GetPut", testGetPut},
		{"Range", testRange},
		{"RangeStop", testRangeStop},
		{"UpdateRollsBack", testUpdateRollsBack},
		{"ReadsOwnWrites", testReadsOwnWrites},
		{"Revision", testRevision},
		{"Batch", testBatch},
		{"ConcurrentPutIfAbsent", testConcurrentPutIfAbsent},
		{"ConcurrentIncrement", testConcurrentIncrement},
		{"ConcurrentBatches", testConcurrentBatches},
		{"Watch", testWatch},
		{"WatchFromPast", testWatchFromPast},
		{"Canceled", testCanceled},
		{"Reopen", testReopen},
		{"Status", testStatus},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			open := opener(t)
			c.fn(t, func() store.Backend {
				b := open()
				t.Cleanup(func() { b.Close() })
				return b
			})
		})
	}
}

var ctx = context.Background()

func put(t *testing.T, b store.Backend, kv ...string) {
	t.Helper()
	err := b.Update(ctx, func(tx store.WriteTx) error {
		for i := 0; i+1 < len(kv); i += 2 {
			if err := tx.Put([]byte(kv[i]), []byte(kv[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func get(t *testing.T, b store.Backend, key string) []byte {
	t.Helper()
	var out []byte
	err := b.View(ctx, func(tx store.ReadTx) error {
		v, err := tx.Get([]byte(key))
		if v != nil {
			out = append([]byte{}, v...)
		}
		return err
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	return out
}

// keys lists a range's keys.
func keys(t *testing.T, b store.Backend, prefix, start string, reverse bool) []string {
	t.Helper()
	var out []string
	var st []byte
	if start != "" {
		st = []byte(start)
	}
	err := b.View(ctx, func(tx store.ReadTx) error {
		return tx.Range([]byte(prefix), st, reverse, func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	if err != nil {
		t.Fatalf("Range(%q, %q, %v): %v", prefix, start, reverse, err)
	}
	return out
}

func testGetPut(t *testing.T, open func() store.Backend) {
	b := open()
	if v := get(t, b, "a/1"); v != nil {
		t.Fatalf("absent key: got %q, want nil", v)
	}
	put(t, b, "a/1", "one", "a/empty", "")
	if v := get(t, b, "a/1"); string(v) != "one" {
		t.Errorf("a/1 = %q, want one", v)
	}
	if v := get(t, b, "a/empty"); v == nil || len(v) != 0 {
		t.Errorf("an empty value must read as present and empty, got %#v", v)
	}
	big := bytes.Repeat([]byte("x"), 200_000)
	put(t, b, "a/big", string(big))
	if v := get(t, b, "a/big"); !bytes.Equal(v, big) {
		t.Errorf("a 200 kB value came back as %d bytes", len(v))
	}
	if err := b.Update(ctx, func(tx store.WriteTx) error {
		if err := tx.Delete([]byte("a/1")); err != nil {
			return err
		}
		return tx.Delete([]byte("a/never"))
	}); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if v := get(t, b, "a/1"); v != nil {
		t.Errorf("deleted key reads %q", v)
	}
}

func testRange(t *testing.T, open func() store.Backend) {
	b := open()
	// Neighbours of the prefix on both sides, and bytes at both ends.
	put(t, b, "n.", "x", "n/", "x", "n/a", "1", "n/b", "2", "n/b\x00", "3", "n/c", "4",
		"n/\xff", "5", "n0", "x", "o", "x")
	tests := []struct {
		prefix, start string
		reverse       bool
		want          []string
	}{
		{"n/", "", false, []string{"n/", "n/a", "n/b", "n/b\x00", "n/c", "n/\xff"}},
		{"n/", "", true, []string{"n/\xff", "n/c", "n/b\x00", "n/b", "n/a", "n/"}},
		{"n/", "n/b", false, []string{"n/b", "n/b\x00", "n/c", "n/\xff"}},
		{"n/", "n/b", true, []string{"n/b", "n/a", "n/"}},
		{"n/", "n/bb", false, []string{"n/c", "n/\xff"}},
		{"n/", "n/bb", true, []string{"n/b\x00", "n/b", "n/a", "n/"}},
		{"n/", "n/\xff\xff", true, []string{"n/\xff", "n/c", "n/b\x00", "n/b", "n/a", "n/"}},
		{"n/b", "", false, []string{"n/b", "n/b\x00"}},
		{"n/z", "", false, nil},
		{"n/z", "", true, nil},
		{"", "", false, []string{"n.", "n/", "n/a", "n/b", "n/b\x00", "n/c", "n/\xff", "n0", "o"}},
		{"o", "", true, []string{"o"}},
	}
	for _, tc := range tests {
		got := keys(t, b, tc.prefix, tc.start, tc.reverse)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Range(%q, start %q, reverse %v) = %q, want %q", tc.prefix, tc.start, tc.reverse, got, tc.want)
		}
	}
}

func testRangeStop(t *testing.T, open func() store.Backend) {
	b := open()
	for i := range 10 {
		put(t, b, fmt.Sprintf("s/%02d", i), "v")
	}
	var n int
	boom := errors.New("boom")
	err := b.View(ctx, func(tx store.ReadTx) error {
		if err := tx.Range([]byte("s/"), nil, false, func(k, _ []byte) error {
			if n++; n == 3 {
				return store.ErrStopRange
			}
			return nil
		}); err != nil {
			return fmt.Errorf("ErrStopRange must end the range without an error, got %w", err)
		}
		return tx.Range([]byte("s/"), nil, true, func(k, _ []byte) error { return boom })
	})
	if !errors.Is(err, boom) {
		t.Errorf("a callback's own error: got %v, want boom", err)
	}
	if n != 3 {
		t.Errorf("ErrStopRange after 3 keys: visited %d", n)
	}
}

func testUpdateRollsBack(t *testing.T, open func() store.Backend) {
	b := open()
	put(t, b, "r/keep", "old")
	boom := errors.New("boom")
	err := b.Update(ctx, func(tx store.WriteTx) error {
		tx.Put([]byte("r/keep"), []byte("new"))
		tx.Put([]byte("r/new"), []byte("x"))
		tx.Delete([]byte("r/keep"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	if v := get(t, b, "r/keep"); string(v) != "old" {
		t.Errorf("after a failed Update r/keep = %q, want old", v)
	}
	if v := get(t, b, "r/new"); v != nil {
		t.Errorf("after a failed Update r/new = %q, want absent", v)
	}
}

func testReadsOwnWrites(t *testing.T, open func() store.Backend) {
	b := open()
	put(t, b, "w/a", "1", "w/c", "3")
	err := b.Update(ctx, func(tx store.WriteTx) error {
		if err := tx.Put([]byte("w/b"), []byte("2")); err != nil {
			return err
		}
		if err := tx.Delete([]byte("w/c")); err != nil {
			return err
		}
		if v, _ := tx.Get([]byte("w/b")); string(v) != "2" {
			return fmt.Errorf("Get of a key this transaction put = %q", v)
		}
		if v, _ := tx.Get([]byte("w/c")); v != nil {
			return fmt.Errorf("Get of a key this transaction deleted = %q", v)
		}
		var got []string
		tx.Range([]byte("w/"), nil, false, func(k, v []byte) error {
			got = append(got, string(k)+"="+string(v))
			return nil
		})
		if fmt.Sprint(got) != "[w/a=1 w/b=2]" {
			return fmt.Errorf("Range in the transaction = %q, want [w/a=1 w/b=2]", got)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

func testRevision(t *testing.T, open func() store.Backend) {
	b := open()
	r0, err := b.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	put(t, b, "v/1", "x")
	r1, _ := b.Revision(ctx)
	put(t, b, "v/2", "x")
	r2, _ := b.Revision(ctx)
	if !(r0 < r1 && r1 < r2) {
		t.Errorf("revisions %d, %d, %d do not grow with each commit", r0, r1, r2)
	}
	b.View(ctx, func(tx store.ReadTx) error {
		if tx.Revision() != r2 {
			t.Errorf("a snapshot's revision %d, want the last commit's %d", tx.Revision(), r2)
		}
		return nil
	})
}

// PutIfAbsent is the shape of every uniqueness check the store makes (a
// serial, a CRL number): read the key, refuse if present, write it.
func PutIfAbsent(key, value string) func(store.WriteTx) error {
	return func(tx store.WriteTx) error {
		v, err := tx.Get([]byte(key))
		if err != nil {
			return err
		}
		if v != nil {
			return errExists
		}
		return tx.Put([]byte(key), []byte(value))
	}
}

var errExists = errors.New("exists")

func testBatch(t *testing.T, open func() store.Backend) {
	b := open()
	boom := errors.New("boom")
	errs := b.Batch(ctx, []func(store.WriteTx) error{
		PutIfAbsent("b/1", "first"),
		func(tx store.WriteTx) error { // fails after writing: must leave nothing
			tx.Put([]byte("b/2"), []byte("x"))
			tx.Put([]byte("b/1"), []byte("overwritten"))
			tx.Delete([]byte("b/1"))
			return boom
		},
		PutIfAbsent("b/1", "second"), // sees the first
		PutIfAbsent("b/3", "third"),
	})
	want := []error{nil, boom, errExists, nil}
	for i := range want {
		if !errors.Is(errs[i], want[i]) || (want[i] == nil && errs[i] != nil) {
			t.Errorf("Batch errs[%d] = %v, want %v", i, errs[i], want[i])
		}
	}
	if v := get(t, b, "b/1"); string(v) != "first" {
		t.Errorf("b/1 = %q, want first", v)
	}
	if v := get(t, b, "b/2"); v != nil {
		t.Errorf("a failed batch member's write b/2 = %q is stored", v)
	}
	if v := get(t, b, "b/3"); string(v) != "third" {
		t.Errorf("b/3 = %q, want third", v)
	}
	if errs := b.Batch(ctx, nil); len(errs) != 0 {
		t.Errorf("an empty Batch returned %v", errs)
	}
}

const writers = 8

func testConcurrentPutIfAbsent(t *testing.T, open func() store.Backend) {
	b := open()
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() { errs[i] = b.Update(ctx, PutIfAbsent("u/serial", strconv.Itoa(i))) })
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, errExists):
			t.Errorf("writer %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent put-if-absent writers won, want exactly 1", won, writers)
	}
}

func increment(tx store.WriteTx) error {
	v, err := tx.Get([]byte("c/n"))
	if err != nil {
		return err
	}
	n, _ := strconv.Atoi(string(v))
	return tx.Put([]byte("c/n"), []byte(strconv.Itoa(n+1)))
}

func testConcurrentIncrement(t *testing.T, open func() store.Backend) {
	b := open()
	var wg sync.WaitGroup
	const each = 5
	for range writers {
		wg.Go(func() {
			for range each {
				if err := b.Update(ctx, increment); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if v := get(t, b, "c/n"); string(v) != strconv.Itoa(writers*each) {
		t.Errorf("counter = %s after %d increments: increments were lost", v, writers*each)
	}
}

func testConcurrentBatches(t *testing.T, open func() store.Backend) {
	b := open()
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range writers {
		wg.Go(func() {
			errs := b.Batch(ctx, []func(store.WriteTx) error{
				PutIfAbsent("cb/shared", strconv.Itoa(i)),
				PutIfAbsent("cb/own"+strconv.Itoa(i), "x"),
				increment,
			})
			mu.Lock()
			defer mu.Unlock()
			if errs[0] == nil {
				won++
			} else if !errors.Is(errs[0], errExists) {
				t.Errorf("batch %d: %v", i, errs[0])
			}
			for _, err := range errs[1:] {
				if err != nil {
					t.Errorf("batch %d: %v", i, err)
				}
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d concurrent batches put cb/shared, want exactly 1", won)
	}
	if v := get(t, b, "c/n"); string(v) != strconv.Itoa(writers) {
		t.Errorf("counter = %s after %d batched increments", v, writers)
	}
	if n := len(keys(t, b, "cb/own", "", false)); n != writers {
		t.Errorf("%d of %d batches' own keys stored", n, writers)
	}
}

func next(t *testing.T, ch <-chan store.WatchEvent) store.WatchEvent {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed early")
		}
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event within 10 s")
	}
	return store.WatchEvent{}
}

func testWatch(t *testing.T, open func() store.Backend) {
	b := open()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := b.Watch(wctx, []byte("dns/"), 0)
	if err != nil {
		t.Fatal(err)
	}
	put(t, b, "other/x", "1", "dns/a", "1")
	r1, _ := b.Revision(ctx)
	put(t, b, "dns/b", "2")
	r2, _ := b.Revision(ctx)
	if err := b.Update(ctx, func(tx store.WriteTx) error { return tx.Delete([]byte("dns/a")) }); err != nil {
		t.Fatal(err)
	}
	r3, _ := b.Revision(ctx)
	want := []store.WatchEvent{
		{Key: []byte("dns/a"), Value: []byte("1"), Revision: r1},
		{Key: []byte("dns/b"), Value: []byte("2"), Revision: r2},
		{Key: []byte("dns/a"), Deleted: true, Revision: r3},
	}
	for i, w := range want {
		e := next(t, ch)
		if string(e.Key) != string(w.Key) || e.Deleted != w.Deleted || e.Reset ||
			(!w.Deleted && string(e.Value) != string(w.Value)) || e.Revision != w.Revision {
			t.Errorf("event %d = %+v (key %q), want %+v (key %q)", i, e, e.Key, w, w.Key)
		}
	}
	cancel()
	for range ch { // drains, then closes
	}
}

// testWatchFromPast: an engine with history replays what a watcher missed;
// one without says Reset. Either way nothing is silently lost.
func testWatchFromPast(t *testing.T, open func() store.Backend) {
	b := open()
	put(t, b, "p/a", "1")
	r1, _ := b.Revision(ctx)
	put(t, b, "p/b", "2")
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := b.Watch(wctx, []byte("p/"), r1)
	if err != nil {
		t.Fatal(err)
	}
	e := next(t, ch)
	if !e.Reset && string(e.Key) != "p/b" {
		t.Errorf("watching from revision %d: first event %+v (key %q), want p/b or a Reset", r1, e, e.Key)
	}
}

func testCanceled(t *testing.T, open func() store.Backend) {
	b := open()
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	err := b.Update(cctx, func(tx store.WriteTx) error { ran = true; return tx.Put([]byte("x/x"), nil) })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update with a canceled context: %v, want context.Canceled", err)
	}
	if ran && get(t, b, "x/x") != nil {
		t.Error("Update with a canceled context committed")
	}
}

func testReopen(t *testing.T, open func() store.Backend) {
	b := open()
	put(t, b, "d/1", "durable")
	r, _ := b.Revision(ctx)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	b = open()
	if v := get(t, b, "d/1"); string(v) != "durable" {
		t.Errorf("after reopening d/1 = %q", v)
	}
	put(t, b, "d/2", "x")
	if r2, _ := b.Revision(ctx); r2 <= r {
		t.Errorf("revision after reopen %d, want > %d", r2, r)
	}
}

func testStatus(t *testing.T, open func() store.Backend) {
	b := open()
	put(t, b, "st/1", string(bytes.Repeat([]byte("x"), 10_000)))
	st, err := b.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Engine == "" || st.InUse < 10_000 || st.Size < st.InUse || st.Revision <= 0 {
		t.Errorf("Status = %+v: want an engine name, at least 10 kB in use, size >= in use, a revision", st)
	}
}
