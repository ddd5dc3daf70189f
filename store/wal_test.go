package store

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// walFixture is a bbolt backend whose applier is held: what it writes
// stays in the log and the overlay until release.
type walFixture struct {
	t    *testing.T
	path string
	b    *BoltBackend
	held bool
}

func newWALFixture(t *testing.T) *walFixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "localca.db")
	b, err := OpenBolt(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !b.logging() {
		t.Fatal("a durable writable open has no log")
	}
	b.wal.coldAfter, b.wal.lastWrite = time.Hour, time.Now() // every group logged, none written directly
	f := &walFixture{t: t, path: path, b: b}
	t.Cleanup(func() { f.release(); b.Close() })
	return f
}

func (f *walFixture) hold() {
	if !f.held {
		f.b.wal.applying.Lock()
		f.held = true
	}
}

func (f *walFixture) release() {
	if f.held {
		f.held = false
		f.b.wal.applying.Unlock()
	}
}

func (f *walFixture) put(kvs ...string) {
	f.t.Helper()
	err := f.b.Update(context.Background(), func(tx WriteTx) error {
		for i := 0; i+1 < len(kvs); i += 2 {
			if err := tx.Put([]byte(kvs[i]), []byte(kvs[i+1])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// crashCopy copies the file and its log as they are now, as a crash would
// leave them, into a new directory, and returns the copy's path.
func (f *walFixture) crashCopy() string {
	f.t.Helper()
	dst := filepath.Join(f.t.TempDir(), "localca.db")
	for _, p := range []string{f.path, walPath(f.path)} {
		data, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) && p != f.path {
			continue // nothing logged yet
		}
		if err != nil {
			f.t.Fatal(err)
		}
		if err := os.WriteFile(strings.Replace(p, f.path, dst, 1), data, 0o600); err != nil {
			f.t.Fatal(err)
		}
	}
	return dst
}

// fileValue reads key from the bbolt file itself, past any log.
func fileValue(t *testing.T, db *bolt.DB, key string) []byte {
	t.Helper()
	var v []byte
	db.View(func(tx *bolt.Tx) error {
		ord, rnd := buckets(tx)
		if ord == nil {
			return nil
		}
		b := ord
		if randomOrder([]byte(key)) {
			b = rnd
		}
		v = clone(get(b, []byte(key)))
		return nil
	})
	return v
}

func backendValue(t *testing.T, b Backend, key string) []byte {
	t.Helper()
	var v []byte
	if err := b.View(context.Background(), func(tx ReadTx) error {
		got, err := tx.Get([]byte(key))
		if got != nil {
			v = append([]byte{}, got...) // clone would make an empty value absent
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestWALReplay leaves writes in the log alone, copies the file and log
// as a crash would leave them, and opens the copy: writable, it puts them
// into the file and empties the log; read-only, it reads them from
// memory.
func TestWALReplay(t *testing.T) {
	f := newWALFixture(t)
	f.put("setting/a", "1", "name/x/1", "")
	f.hold()
	f.put("setting/b", "2")
	errs := f.b.Batch(context.Background(), []func(WriteTx) error{
		func(tx WriteTx) error { return tx.Put([]byte("setting/c"), []byte("3")) },
		func(tx WriteTx) error {
			tx.Put([]byte("setting/d"), []byte("refused"))
			return errors.New("refused")
		},
		func(tx WriteTx) error { return tx.Delete([]byte("setting/a")) },
	})
	if errs[0] != nil || errs[1] == nil || errs[2] != nil {
		t.Fatalf("Batch: %v", errs)
	}
	want := map[string]string{"setting/a": "", "setting/b": "2", "setting/c": "3", "setting/d": "", "name/x/1": "-"}
	check := func(b Backend, where string) {
		t.Helper()
		for k, w := range want {
			got := backendValue(t, b, k)
			switch {
			case w == "" && got != nil:
				t.Errorf("%s: %s = %q, want none", where, k, got)
			case w == "-" && (got == nil || len(got) != 0):
				t.Errorf("%s: %s = %v, want an empty value", where, k, got)
			case w != "" && w != "-" && string(got) != w:
				t.Errorf("%s: %s = %q, want %q", where, k, got, w)
			}
		}
	}
	check(f.b, "the overlay")
	if v := fileValue(t, f.b.db, "setting/b"); v != nil {
		t.Fatalf("the file took setting/b while the applier was held")
	}
	crashed := f.crashCopy()
	f.release()

	ro, err := OpenBolt(crashed, &BoltOptions{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of a file with a log to apply: %v", err)
	}
	check(ro, "read-only, from the log")
	if _, err := ro.Status(context.Background()); err != nil {
		t.Errorf("Status of a read-only open over a log: %v", err)
	}
	if _, err := ro.Snapshot(context.Background(), new(bytes.Buffer)); err == nil {
		t.Errorf("Snapshot of a read-only open copied a file without its log's writes")
	}
	ro.Close()

	b, err := OpenBolt(crashed, nil)
	if err != nil {
		t.Fatalf("writable open after a crash: %v", err)
	}
	check(b, "after replay")
	if v := fileValue(t, b.db, "setting/c"); string(v) != "3" {
		t.Errorf("the file holds setting/c = %q after replay, want 3", v)
	}
	if gs, err := readWAL(walPath(crashed)); err != nil || len(gs) != 0 {
		t.Errorf("the log after replay holds %d groups (%v); want it emptied", len(gs), err)
	}
	b.Close()
}

// TestWALTorn cuts and damages the log's last entry, as a crash in its
// write would: the entries before it are applied, it is not.
func TestWALTorn(t *testing.T) {
	for _, damage := range []struct {
		name string
		fn   func(log []byte, last int) []byte
	}{
		{"cut short", func(log []byte, last int) []byte { return log[:last+(len(log)-last)/2] }},
		{"head only", func(log []byte, last int) []byte { return log[:last+walEntryHead] }},
		{"a byte flipped", func(log []byte, last int) []byte { log[len(log)-2] ^= 0x40; return log }},
		{"zeros after", func(log []byte, last int) []byte { return append(log, make([]byte, 64)...) }},
	} {
		t.Run(damage.name, func(t *testing.T) {
			f := newWALFixture(t)
			f.hold()
			f.put("setting/a", "1")
			f.put("setting/b", "2")
			last := int(f.b.wal.log.off)
			f.put("setting/c", "3")
			crashed := f.crashCopy()
			log, err := os.ReadFile(walPath(crashed))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(walPath(crashed), damage.fn(log, last), 0o600); err != nil {
				t.Fatal(err)
			}
			b, err := OpenBolt(crashed, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			wantC := ""
			if damage.name == "zeros after" {
				wantC = "3"
			}
			for k, want := range map[string]string{"setting/a": "1", "setting/b": "2", "setting/c": wantC} {
				if got := backendValue(t, b, k); string(got) != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

// TestWALNotThisFile puts a log beside a file whose writes it does not
// follow (a file restored from a backup, its log left from later): Open
// refuses it, naming the log, and writes nothing.
func TestWALNotThisFile(t *testing.T) {
	f := newWALFixture(t)
	f.put("setting/a", "1")
	if err := f.b.flushLog(); err != nil {
		t.Fatal(err)
	}
	backup := f.crashCopy() // the file holds everything: its log is empty
	f.hold()
	f.put("setting/b", "2")
	f.put("setting/c", "3")
	later := f.crashCopy()
	f.put("setting/d", "4")
	f.release()
	if err := f.b.flushLog(); err != nil {
		t.Fatal(err)
	}
	f.hold()
	f.put("setting/e", "5") // a group the backup's file is two behind
	newer := f.crashCopy()
	log, err := os.ReadFile(walPath(newer))
	if err != nil {
		t.Fatal(err)
	}
	f.release()
	if err := os.WriteFile(walPath(backup), log, 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(backup)
	_, err = OpenBolt(backup, nil)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), walPath(backup)) {
		t.Fatalf("Open with another file's log: %v, want ErrCorrupt naming the log", err)
	}
	if after, _ := os.ReadFile(backup); !bytes.Equal(before, after) {
		t.Errorf("Open wrote to a file whose log it refused")
	}
	// The copy whose log does follow it opens.
	b, err := OpenBolt(later, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got := backendValue(t, b, "setting/c"); string(got) != "3" {
		t.Errorf("setting/c = %q, want 3", got)
	}
}

// TestWALSchemaInFile: a write of the schema mark reaches the file before
// it returns, whatever the log holds, so a localca that reads no log
// finds it.
func TestWALSchemaInFile(t *testing.T) {
	f := newWALFixture(t)
	f.put("setting/a", "1")
	f.put(string(kSchema), keyspaceMark)
	if got := fileValue(t, f.b.db, string(kSchema)); string(got) != keyspaceMark {
		t.Errorf("the file's mark %q, want %q", got, keyspaceMark)
	}
	if got := fileValue(t, f.b.db, "setting/a"); string(got) != "1" {
		t.Errorf("the write logged before the mark is not in the file with it: %q", got)
	}
	f.hold()
	f.put("setting/b", "2")
	if got := backendValue(t, f.b, "setting/b"); string(got) != "2" {
		t.Errorf("setting/b = %q after the mark", got)
	}
}

// TestWALOverlayMatchesModel writes at random, the applier held and
// released at random, and checks every Get and Range (both directions,
// with and without a start, inside a write transaction too) against a
// map.
func TestWALOverlayMatchesModel(t *testing.T) {
	f := newWALFixture(t)
	rng := rand.New(rand.NewPCG(17, 1))
	model := map[string]string{}
	keys := make([]string, 40)
	for i := range keys {
		kind := []string{"setting/", "name/", "event/"}[i%3]
		keys[i] = fmt.Sprintf("%s%02d", kind, i)
	}
	ctx := context.Background()
	rangeModel := func(m map[string]string, prefix, start string, reverse bool) []string {
		var out []string
		for k, v := range m {
			if !strings.HasPrefix(k, prefix) {
				continue
			}
			if start != "" && ((!reverse && k < start) || (reverse && k > start)) {
				continue
			}
			out = append(out, k+"="+v)
		}
		slices.Sort(out)
		if reverse {
			slices.Reverse(out)
		}
		return out
	}
	rangeTx := func(tx ReadTx, prefix, start string, reverse bool) []string {
		var out []string
		var s []byte
		if start != "" {
			s = []byte(start)
		}
		if err := tx.Range([]byte(prefix), s, reverse, func(k, v []byte) error {
			out = append(out, string(k)+"="+string(v))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	compare := func(tx ReadTx, m map[string]string, where string) {
		t.Helper()
		for _, prefix := range []string{"", "setting/", "name/", "event/", "name/1"} {
			for _, start := range []string{"", keys[rng.IntN(len(keys))], "name/15x"} {
				for _, reverse := range []bool{false, true} {
					got, want := rangeTx(tx, prefix, start, reverse), rangeModel(m, prefix, start, reverse)
					if !slices.Equal(got, want) {
						t.Fatalf("%s: Range(%q, %q, reverse %v) = %q, want %q", where, prefix, start, reverse, got, want)
					}
				}
			}
		}
		for _, k := range keys {
			v, err := tx.Get([]byte(k))
			if err != nil {
				t.Fatal(err)
			}
			if w, ok := m[k]; ok != (v != nil) || string(v) != w {
				t.Fatalf("%s: Get(%s) = %q, want %q (present %v)", where, k, v, w, ok)
			}
		}
	}
	for round := range 150 {
		switch rng.IntN(4) {
		case 0:
			f.hold()
		case 1:
			f.release()
		}
		next := maps.Clone(model)
		err := f.b.Update(ctx, func(tx WriteTx) error {
			for range 1 + rng.IntN(4) {
				k := keys[rng.IntN(len(keys))]
				if rng.IntN(3) == 0 {
					delete(next, k)
					if err := tx.Delete([]byte(k)); err != nil {
						return err
					}
				} else {
					v := fmt.Sprint(round)
					next[k] = v
					if err := tx.Put([]byte(k), []byte(v)); err != nil {
						return err
					}
				}
			}
			compare(tx, next, fmt.Sprintf("round %d, inside the write", round))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		model = next
		if err := f.b.View(ctx, func(tx ReadTx) error {
			compare(tx, model, fmt.Sprintf("round %d", round))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	f.release()
	if err := f.b.flushLog(); err != nil {
		t.Fatal(err)
	}
	if n := len(f.b.ov.Load().es); n != 0 {
		t.Errorf("the overlay holds %d entries once the file has everything", n)
	}
}

// TestWALSnapshotsWhileApplying reads while a writer logs and the applier
// puts groups into the file: every snapshot sees each transaction whole
// (two keys, in the two trees, written together), never half of one from
// the file and half from the overlay.
func TestWALSnapshotsWhileApplying(t *testing.T) {
	f := newWALFixture(t)
	ctx := context.Background()
	f.put("setting/n", "0", "name/n", "0")
	done := make(chan struct{})
	errc := make(chan error, 4)
	for range 4 {
		go func() {
			for {
				select {
				case <-done:
					errc <- nil
					return
				default:
				}
				err := f.b.View(ctx, func(tx ReadTx) error {
					a, _ := tx.Get([]byte("setting/n"))
					b, _ := tx.Get([]byte("name/n"))
					if !bytes.Equal(a, b) {
						return fmt.Errorf("a snapshot with setting/n %q and name/n %q", a, b)
					}
					return nil
				})
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	for i := range 300 {
		v := fmt.Sprint(i + 1)
		f.put("setting/n", v, "name/n", v)
	}
	close(done)
	for range 4 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzParseWAL: any bytes parse without a panic into groups in sequence,
// and what encodeWAL wrote parses back as it was, whatever follows it.
func FuzzParseWAL(f *testing.F) {
	entry, _ := encodeWAL(7, []walOp{{key: []byte("setting/a"), value: []byte("1")}, {key: []byte("name/b"), del: true}})
	f.Add(entry, []byte("setting/x"), []byte("v"))
	f.Add(append(entry, entry...), []byte(""), []byte(""))
	f.Fuzz(func(t *testing.T, tail, key, value []byte) {
		gs := parseWAL(tail)
		for i := 1; i < len(gs); i++ {
			if gs[i].seq != gs[i-1].seq+1 {
				t.Fatalf("groups %d and %d out of sequence", gs[i-1].seq, gs[i].seq)
			}
		}
		e, g := encodeWAL(41, []walOp{{key: key, value: value}, {key: []byte("x/" + string(key)), del: true}})
		got := parseWAL(append(e, tail...))
		if len(got) == 0 || got[0].seq != 41 || len(got[0].ops) != 2 ||
			!bytes.Equal(got[0].ops[0].key, g.ops[0].key) || !bytes.Equal(got[0].ops[0].value, value) ||
			got[0].ops[0].del || !got[0].ops[1].del {
			t.Fatalf("an encoded group parsed back as %+v", got)
		}
	})
}

// TestWALCleanClose: Close puts everything logged into the file and
// removes the log, so that a file restored from a backup later finds
// nothing of this one's to replay.
func TestWALCleanClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "localca.db")
	b, err := OpenBolt(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := b.Update(context.Background(), func(tx WriteTx) error {
			return tx.Put([]byte(fmt.Sprintf("setting/%d", i)), []byte("v"))
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(walPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the log after Close: %v, want it removed", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v := fileValue(t, db, "setting/4"); string(v) != "v" {
		t.Errorf("the file after Close: setting/4 = %q", v)
	}
}

// TestWALColdWrite: a write after a pause (a one-shot command's only one)
// goes into the file itself, and makes no log: it pays bbolt's two syncs,
// not the log's one before them.
func TestWALColdWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "localca.db")
	b, err := OpenBolt(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(context.Background(), func(tx WriteTx) error {
		return tx.Put([]byte("setting/a"), []byte("1"))
	}); err != nil {
		t.Fatal(err)
	}
	if got := fileValue(t, b.db, "setting/a"); string(got) != "1" {
		t.Errorf("the file holds setting/a = %q after a cold write", got)
	}
	if _, err := os.Stat(walPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cold write made the log (%v)", err)
	}
	// A group of several records after the same pause is a stream (a
	// busy server's callers) and is logged.
	b.wal.lastWrite = time.Now().Add(-time.Hour)
	b.wal.applying.Lock() // the applier waits: the file shows what went in directly
	defer b.wal.applying.Unlock()
	put := func(k string) func(WriteTx) error {
		return func(tx WriteTx) error { return tx.Put([]byte(k), []byte("2")) }
	}
	for _, err := range b.Batch(context.Background(), []func(WriteTx) error{put("setting/b"), put("setting/c")}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := fileValue(t, b.db, "setting/b"); got != nil {
		t.Errorf("a group after a pause went into the file directly (setting/b = %q)", got)
	}
	if _, err := os.Stat(walPath(path)); err != nil {
		t.Errorf("a group after a pause made no log: %v", err)
	}
}

// TestWALRemembersCommittedIssuers checks what a write transaction of the
// overlay lets the store remember of an issuer's prefix: an authority
// committed before it is remembered, one written in the same transaction
// (which may yet be undone) is not.
func TestWALRemembersCommittedIssuers(t *testing.T) {
	f := newWALFixture(t)
	committed := strings.Repeat("ab", 32)
	fresh := strings.Repeat("cd", 32)
	f.put(string(authorityKey(committed)), "x")
	var shared sync.Map
	prefix := func(id string) []byte {
		raw, err := hex.DecodeString(id[:2*issuerPrefixLen])
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	err := f.b.Update(context.Background(), func(tx WriteTx) error {
		if err := tx.Put(authorityKey(fresh), []byte("x")); err != nil {
			return err
		}
		r := &issuers{tx: tx, shared: &shared}
		for _, id := range []string{committed, fresh} {
			if got, ok := r.resolve(prefix(id)); !ok || got != id {
				t.Errorf("resolve(%.16s…) = %q, %v; want the id", id, got, ok)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id   string
		want bool
	}{{committed, true}, {fresh, false}} {
		if _, ok := shared.Load(string(prefix(tc.id))); ok != tc.want {
			t.Errorf("prefix of %.16s… remembered = %v, want %v", tc.id, ok, tc.want)
		}
	}
}
