package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

// The write-ahead log beside a bbolt file
//
// A bbolt commit is durable after two fdatasyncs: one for the pages it
// wrote, one for the meta page that points at them. A caller that issues
// one certificate at a time waits for both (docs/BENCHMARKS.md, issue 17:
// halving them moved a lone ECDSA issuer from 0.28 to 0.35 of the no-store
// pipeline). The log makes a commit durable with one fdatasync of an
// append to a small file, most often an overwrite of a block the file
// already has, which needs no journal commit of the file system.
//
// A group of writes (one Update or Batch) is logged and synced, then
// acknowledged; its writes stay readable from memory (overlay.go) until a
// goroutine of the backend (the applier) has put them into the bbolt file
// in a transaction of its own, durable by bbolt's own two syncs, that also
// records the group's sequence number (walApplied). Only then are they
// dropped from memory, and once every logged group is in the file the log
// starts again from its beginning. So the file is always a state bbolt
// committed, and the log holds what came after it.
//
// On open, the groups of the log that the file does not have yet are
// applied in one transaction before anything else reads the file (a
// read-only open keeps them in memory instead). A clean Close leaves the
// log empty.
//
// Format: walMagic, then entries, each
//
//	u32 payload length | u32 CRC-32C of seq and payload | u64 seq | payload
//
// where the payload is a run of operations, each a kind byte (walPut,
// walDelete), uvarint key length, key and, for a put, uvarint value length
// and value. Reading stops at the first entry that is cut short, fails its
// CRC or does not carry the next sequence number: an entry torn by a crash
// was never acknowledged, and behind an entry of a new pass through the
// file lie older ones, of lower numbers.

const (
	walMagic     = "LCAWAL01"
	walEntryHead = 16
	// walResetAt is how far the log may grow while the applier is behind
	// before a writer waits for it: a megabyte is some thousands of
	// certificates, which the applier puts into the file in one
	// transaction of a few milliseconds.
	walResetAt = 1 << 20
	// walMaxEntry bounds an entry's payload when reading, so a damaged
	// length cannot ask for gigabytes.
	walMaxEntry = 1 << 30
	walPut      = 1
	walDelete   = 2
)

var walCRC = crc32.MakeTable(crc32.Castagnoli)

// walPath is the log of the bbolt file at path.
func walPath(path string) string { return path + "-wal" }

// walOp is one write of a logged group.
type walOp struct {
	key, value []byte
	del        bool
}

// walGroup is one logged transaction: its sequence number (the revision it
// gives the store) and its writes, at most one per key.
type walGroup struct {
	seq int64
	ops []walOp
}

// wal is the log, written by one writer at a time (the backend's wmu).
type wal struct {
	f    *os.File // nil until the first logged write of a store with no log
	path string
	off  int64 // where the next entry goes
	// ready: the file has its magic, durably.
	ready bool
}

// openWAL opens the log at path for writing, when there is one, and
// returns the groups it holds. The caller puts those into the file, then
// calls clear: only then may the log be emptied. A store without a log
// gets one at its first logged write (ensure).
func openWAL(path string) (*wal, []walGroup, error) {
	w := &wal{path: path, off: int64(len(walMagic))}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return w, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("store: opening the log %s: %w", path, err)
	}
	gs, empty, err := readWALFile(f, path)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	w.f, w.ready = f, !empty
	return w, gs, nil
}

// readWAL returns the groups of the log at path, none when there is no
// log (a read-only open: nothing is created).
func readWAL(path string) ([]walGroup, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("store: opening the log %s: %w", path, err)
	}
	defer f.Close()
	gs, _, err := readWALFile(f, path)
	return gs, err
}

// readWALFile reads a log's groups, entry by entry: a log emptied by clear
// costs the read of its first entry's head, however large the file is.
// empty: the file has not even its magic (made, and no more, before a
// crash).
func readWALFile(f *os.File, path string) (gs []walGroup, empty bool, err error) {
	r := bufio.NewReaderSize(f, 4096)
	magic := make([]byte, len(walMagic))
	switch n, err := io.ReadFull(r, magic); {
	case n == 0 && err == io.EOF:
		return nil, true, nil
	case err == io.ErrUnexpectedEOF || (err == nil && string(magic) != walMagic):
		return nil, false, fmt.Errorf("%w: %s is not a localca write-ahead log", ErrCorrupt, path)
	case err != nil:
		return nil, false, fmt.Errorf("store: reading the log %s: %w", path, err)
	}
	head := make([]byte, walEntryHead)
	for {
		if _, err := io.ReadFull(r, head); err != nil {
			return gs, false, walReadEnd(err, path)
		}
		n := binary.LittleEndian.Uint32(head)
		if n > walMaxEntry {
			return gs, false, nil
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return gs, false, walReadEnd(err, path)
		}
		g, ok := walEntry(head, payload, gs)
		if !ok {
			return gs, false, nil
		}
		gs = append(gs, g)
	}
}

// walReadEnd: the end of the file or an entry cut short end the log; any
// other failure to read it is an error.
func walReadEnd(err error, path string) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return nil
	}
	return fmt.Errorf("store: reading the log %s: %w", path, err)
}

// parseWAL reads entries (what follows the magic) up to the first that is
// torn, damaged or out of sequence.
func parseWAL(data []byte) []walGroup {
	var gs []walGroup
	for len(data) >= walEntryHead {
		n := binary.LittleEndian.Uint32(data)
		if n > walMaxEntry || uint64(len(data)-walEntryHead) < uint64(n) {
			break
		}
		g, ok := walEntry(data[:walEntryHead], data[walEntryHead:walEntryHead+int(n)], gs)
		if !ok {
			break
		}
		gs = append(gs, g)
		data = data[walEntryHead+int(n):]
	}
	return gs
}

// walEntry checks an entry read after gs: its CRC, its sequence number
// (the next one), its operations. Operations that do not parse end the log
// too: the CRC matched, so they can only come from another program's file.
func walEntry(head, payload []byte, gs []walGroup) (walGroup, bool) {
	sum := binary.LittleEndian.Uint32(head[4:])
	seq := int64(binary.LittleEndian.Uint64(head[8:]))
	crc := crc32.Update(crc32.Checksum(head[8:walEntryHead], walCRC), walCRC, payload)
	if crc != sum || (len(gs) > 0 && seq != gs[len(gs)-1].seq+1) {
		return walGroup{}, false
	}
	ops, ok := decodeWALOps(payload)
	if !ok {
		return walGroup{}, false
	}
	return walGroup{seq: seq, ops: ops}, true
}

func decodeWALOps(p []byte) ([]walOp, bool) {
	var ops []walOp
	for len(p) > 0 {
		kind := p[0]
		p = p[1:]
		var op walOp
		var ok bool
		if op.key, p, ok = walBytes(p); !ok {
			return nil, false
		}
		switch kind {
		case walPut:
			if op.value, p, ok = walBytes(p); !ok {
				return nil, false
			}
		case walDelete:
			op.del = true
		default:
			return nil, false
		}
		ops = append(ops, op)
	}
	return ops, true
}

// walBytes reads a uvarint length and that many bytes.
func walBytes(p []byte) (b, rest []byte, ok bool) {
	n, k := binary.Uvarint(p)
	if k <= 0 || uint64(len(p)-k) < n {
		return nil, nil, false
	}
	return p[k : k+int(n) : k+int(n)], p[k+int(n):], true
}

// encodeWAL returns g's entry. The payload is a fresh allocation that the
// group's ops then point into: the overlay keeps them, and the caller's
// key and value buffers may be reused once the commit returns.
func encodeWAL(seq int64, ops []walOp) ([]byte, walGroup) {
	n := walEntryHead
	for _, op := range ops {
		n += 1 + binary.MaxVarintLen32 + len(op.key)
		if !op.del {
			n += binary.MaxVarintLen32 + len(op.value)
		}
	}
	buf := make([]byte, walEntryHead, n)
	g := walGroup{seq: seq, ops: make([]walOp, len(ops))}
	for i, op := range ops {
		kind := byte(walPut)
		if op.del {
			kind = walDelete
		}
		buf = append(buf, kind)
		buf = binary.AppendUvarint(buf, uint64(len(op.key)))
		g.ops[i].key = buf[len(buf) : len(buf)+len(op.key) : len(buf)+len(op.key)]
		buf = append(buf, op.key...)
		if op.del {
			g.ops[i].del = true
			continue
		}
		buf = binary.AppendUvarint(buf, uint64(len(op.value)))
		g.ops[i].value = buf[len(buf) : len(buf)+len(op.value) : len(buf)+len(op.value)]
		buf = append(buf, op.value...)
	}
	binary.LittleEndian.PutUint32(buf, uint32(len(buf)-walEntryHead))
	binary.LittleEndian.PutUint64(buf[8:], uint64(seq))
	binary.LittleEndian.PutUint32(buf[4:], crc32.Checksum(buf[8:], walCRC))
	return buf, g
}

// append writes an entry and syncs it: when it returns nil the group is
// durable. from says the log may start again from its beginning (the
// file holds every earlier group).
//
// The sync is a plain fdatasync(2), although the goroutine keeps its P
// (Go's slot to run code) for most of it while issuers wait to run. Linux
// AIO's IOCB_CMD_FDSYNC gives the P up, but its kernel worker then waits
// for a CPU that the issuers hold: the sync took four to eight times as
// long and throughput did not move (docs/BENCHMARKS.md, "The 64-caller
// gap in a scheduler trace").
func (w *wal) append(entry []byte, from bool) error {
	if err := w.ensure(); err != nil {
		return err
	}
	if from {
		w.off = int64(len(walMagic))
	}
	if _, err := w.f.WriteAt(entry, w.off); err != nil {
		return fmt.Errorf("store: writing the log %s: %w", w.path, err)
	}
	if err := fdatasync(w.f); err != nil {
		return fmt.Errorf("store: syncing the log %s: %w", w.path, err)
	}
	w.off += int64(len(entry))
	return nil
}

// full reports whether an entry of n bytes would take the log past
// walResetAt.
func (w *wal) full(n int) bool { return w.off+int64(n) > walResetAt }

// clear empties the log, every group of it being in the file: its first
// entry's head is zeroed, which a reader takes for a torn entry and stops
// at. The file keeps its size, so that the next writer's entries overwrite
// blocks it has (a log that grows costs a journal commit with each sync).
// Nothing is synced: were the zeros lost, the entries behind them are
// groups the file holds, which a reader skips.
func (w *wal) clear() error {
	if _, err := w.f.WriteAt(make([]byte, walEntryHead), int64(len(walMagic))); err != nil {
		return fmt.Errorf("store: emptying the log %s: %w", w.path, err)
	}
	w.off = int64(len(walMagic))
	return nil
}

// ensure makes the log, at its first write: its magic, made durable with
// its directory entry, so that a crash cannot lose the file that will hold
// acknowledged writes.
func (w *wal) ensure() error {
	if w.ready {
		return nil
	}
	if w.f == nil {
		f, err := os.OpenFile(w.path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return fmt.Errorf("store: making the log %s: %w", w.path, err)
		}
		w.f = f
	}
	if _, err := w.f.WriteAt([]byte(walMagic), 0); err != nil {
		return fmt.Errorf("store: writing the log %s: %w", w.path, err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("store: syncing the log %s: %w", w.path, err)
	}
	d, err := os.Open(filepath.Dir(w.path))
	if err != nil {
		return fmt.Errorf("store: syncing the log's directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("store: syncing the log's directory: %w", err)
	}
	w.ready = true
	return nil
}

// remove empties the log, every group of it being in the file, and
// removes it. It is emptied first, so that were the removal lost in a
// crash, the log left holds no group.
func (w *wal) remove() error {
	if w.f == nil {
		return nil
	}
	err := w.clear()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if rerr := os.Remove(w.path); err == nil && !errors.Is(rerr, os.ErrNotExist) {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("store: removing the log %s: %w", w.path, err)
	}
	return nil
}

func (w *wal) close() error {
	if w.f == nil {
		return nil
	}
	return w.f.Close()
}
