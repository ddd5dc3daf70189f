package store

import (
	"context"
	"io"
)

// Backend is an ordered key-value engine with serializable transactions: the
// one keyspace the store's typed API (certificates, revocations, CRL
// numbers, events, DNS records, settings, tokens, ACME state) is written on.
// The bbolt file (OpenBolt) is its first engine; a distributed one (etcd)
// implements the same contract, and store/backendtest checks any engine
// against it.
//
// Keys are byte strings ordered bytewise; the store prefixes them by kind
// (cert/, serial/, name/, expiry/, key/, revoked/, csr/, acme/, dns/,
// setting/, event/, meta/). A Backend is safe for concurrent use.
//
// Errors: a context that ends gives its error; ErrStopRange is never
// returned by the engine itself; everything else is the engine's own
// failure (disk, network, a damaged file: ErrCorrupt), wrapped with %w.
type Backend interface {
	// View runs fn against one consistent snapshot. fn must not keep k/v
	// slices after the call that gave them returns.
	View(ctx context.Context, fn func(ReadTx) error) error
	// Update runs fn in a serializable read-write transaction and commits
	// it durably before returning nil; fn's error rolls everything back and
	// is returned as it is. Engines with optimistic concurrency (etcd) may
	// run fn more than once: fn must have no effects outside tx. Every key
	// fn read (a Get, or a Range's prefix) is a condition of the commit: a
	// key absent when read is still absent at commit, a key present is
	// unchanged. That is how "serial new", "issuer not revoked", "key not
	// compromised" and "CSR not rejected" hold under concurrent writers.
	Update(ctx context.Context, fn func(WriteTx) error) error
	// Batch commits several independent updates together where the engine
	// can (group commit: one fsync or one round trip for all). errs[i] is
	// fns[i]'s result: a failing fn leaves nothing behind and never fails
	// the others; later fns see the writes of earlier ones that succeeded.
	// When the shared commit itself fails, each fn is retried alone so that
	// each gets its own error. nil means fns[i] is durably committed.
	Batch(ctx context.Context, fns []func(WriteTx) error) (errs []error)
	// Watch sends the changes under prefix committed after revision from
	// (0: after now) until ctx ends, then closes the channel. A watcher that
	// cannot be told what it missed (history gone, a slow reader) gets an
	// event with Reset set and must read the prefix again.
	Watch(ctx context.Context, prefix []byte, from int64) (<-chan WatchEvent, error)
	// Revision is a counter that grows with every committed write
	// transaction (bbolt: the sequence number of its group in the log, or
	// bbolt's transaction id in a file opened without one; etcd: the store
	// revision).
	Revision(ctx context.Context) (int64, error)
	// Status describes the engine and the space it uses.
	Status(ctx context.Context) (BackendStatus, error)
	// Close releases the engine (a file and its lock, connections).
	Close() error
}

// ReadTx reads one snapshot.
type ReadTx interface {
	// Get returns the value at key, or (nil, nil) when there is none. The
	// slice is valid until the transaction ends. Get keeps no reference
	// to key once it returns: the caller may reuse its buffer for the next
	// key (a list reads its certificates so).
	Get(key []byte) ([]byte, error)
	// Range calls fn for each key with prefix, ascending from start, or
	// descending from it when reverse is set. start is a whole key (with the
	// prefix): ascending begins at the first key >= start, descending at
	// the last key <= start; a nil start means the prefix's first (or, in
	// reverse, last) key. fn returns ErrStopRange to stop early (Range then
	// returns nil) and any other error to stop with it. k and v are valid
	// only during the call. Range keeps no reference to prefix or start
	// once it returns.
	Range(prefix, start []byte, reverse bool, fn func(k, v []byte) error) error
	// Revision is the revision of the snapshot: that of the last write
	// transaction committed before it (in a WriteTx, before this one).
	Revision() int64
}

// WriteTx reads and writes inside Update or Batch. A read sees the
// transaction's own writes.
type WriteTx interface {
	ReadTx
	// Put sets key to value (an empty value is a value, not a deletion).
	// The engine copies neither slice before the commit: the caller must not
	// change them afterwards.
	Put(key, value []byte) error
	// Delete removes key; deleting an absent key is no error.
	Delete(key []byte) error
}

// WatchEvent is one change a watcher is told about.
type WatchEvent struct {
	Key, Value []byte
	Deleted    bool
	// Reset means changes were lost: re-read the watched prefix.
	Reset    bool
	Revision int64
}

// BackendStatus is what `localca store status` shows of the engine.
type BackendStatus struct {
	Engine string `json:"engine"` // "bbolt", "etcd"
	// Where is the file path or the endpoints.
	Where string `json:"where"`
	// Size is the file's size (bbolt) or the database size (etcd), in bytes.
	Size int64 `json:"size"`
	// InUse is the part of Size that holds data: bbolt's pages in use times
	// its page size; etcd's in-use database size.
	InUse int64 `json:"in_use"`
	// PageSize is bbolt's page size (0 for other engines).
	PageSize int      `json:"page_size,omitempty"`
	Members  []string `json:"members,omitempty"`
	Revision int64    `json:"revision"`
}

// Snapshotter is an optional Backend method: a consistent copy of the
// whole engine written to w while it stays in use (localca backup).
type Snapshotter interface {
	Snapshot(ctx context.Context, w io.Writer) (int64, error)
}

// Checker is an optional Backend method: the engine's own consistency
// check (bbolt's page walk), every problem joined; nil means sound.
type Checker interface {
	Check(ctx context.Context) error
}

// PrefixEnd is the first key after every key with prefix: the exclusive
// upper bound of a prefix range (nil when there is none: a prefix of only
// 0xff bytes, or an empty one).
func PrefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
