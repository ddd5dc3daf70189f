package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is written to the meta bucket of a new store. Open refuses a
// store written by a newer schema rather than misreading it, and raises an
// older one it opens for writing (its records stay readable: each carries
// its own format version). Schema 2 brought binary certificate, key and CSR
// records, which a localca of schema 1 cannot read.
const SchemaVersion = 2

var (
	bucketAuthorities = []byte("authorities")
	bucketMeta        = []byte("meta")
	bucketKeys        = []byte("keys")
	bucketCSRs        = []byte("csrs")
	bucketCerts       = []byte("certs")
	bucketSerials     = []byte("serials")
	bucketByKey       = []byte("certs_by_key")
	bucketByName      = []byte("certs_by_name")
	bucketByExpiry    = []byte("certs_by_expiry")
	bucketRevoked     = []byte("revoked")
	bucketTokens      = []byte("tokens")
	bucketDNS         = []byte("dns")
	bucketEvents      = []byte("events")
	bucketACME        = []byte("acme")

	allBuckets = [][]byte{bucketAuthorities, bucketMeta, bucketKeys, bucketCSRs,
		bucketCerts, bucketSerials, bucketByKey, bucketByName, bucketByExpiry,
		bucketRevoked, bucketTokens, bucketDNS, bucketEvents, bucketACME}
)

// Options tune Open. The zero value is what the CLI uses.
type Options struct {
	// Timeout is how long Open waits for another process to release the file
	// lock before it fails with ErrInUse. Zero means 2 seconds; it is never
	// unbounded, so a second localca never hangs.
	Timeout time.Duration
	// ReadOnly opens the file with a shared lock, for commands that only read.
	ReadOnly bool
	// NoSync skips fsync on commit. Only benchmarks that measure the cost of
	// durability set it.
	NoSync bool
	// Now is the clock for event times; nil means time.Now.
	Now func() time.Time
	// BeforeCommit, when set, runs inside every write transaction of the
	// open store (Commit, revocations, CRL numbers, tokens, settings; not
	// Open's own bucket creation), after the transaction's writes and
	// before bbolt commits it. An error it returns rolls the whole
	// transaction back and is returned as that write's error, exactly as a
	// failed write or fsync would be. It is the seam through which tests
	// make a commit fail after a certificate is signed, since a full disk
	// cannot be had on demand; localca itself never sets it.
	BeforeCommit func() error
}

// Store is an open localca database. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	path string
	now  func() time.Time
	// beforeCommit is Options.BeforeCommit (nil in production).
	beforeCommit func() error
	// group lets concurrent Commit calls share a transaction (group.go).
	group committer
}

// Open opens (creating if needed, mode 0600) the store at path. A damaged
// file gives ErrCorrupt.
func Open(path string, opts *Options) (_ *Store, err error) {
	defer recoverCorrupt(path, &err)
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
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
		// same fsync), so that opening a store reads it instead of walking
		// every page to rebuild it: well under a millisecond instead of
		// 330 ms for a store of a million certificates, on every command. The walk also panicked,
		// in a goroutine no one could recover, on a damaged page.
		NoFreelistSync: false,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("%w: %s (waited %s)", ErrInUse, path, o.Timeout)
		}
		return nil, fmt.Errorf("store: opening %s: %w", path, err)
	}
	s := &Store{db: db, path: path, now: o.Now, beforeCommit: o.BeforeCommit}
	if err := s.prepare(o.ReadOnly); err != nil {
		db.Close() // the file and its lock, also when a damaged page panicked
		return nil, err
	}
	return s, nil
}

// prepare checks the schema of a store just opened and, opened for writing,
// creates what a new or older store lacks. An existing, current store is
// only read: a write transaction would cost two fsyncs on every command.
func (s *Store) prepare(readOnly bool) error {
	var ready bool
	err := s.view(func(tx *bolt.Tx) error {
		if readOnly {
			return s.checkSchema(tx)
		}
		ready = complete(tx) && s.checkSchema(tx) == nil && current(tx)
		return nil
	})
	if err == nil && !ready && !readOnly {
		err = s.update(s.initialise)
	}
	return err
}

// initialise creates the buckets of a new store. It checks the schema first,
// in the same transaction, so that it never writes into a file it does not
// understand: a store of a newer schema, or a bbolt file of another program.
func (s *Store) initialise(tx *bolt.Tx) error {
	if tx.Bucket(bucketMeta) == nil {
		if k, _ := tx.Cursor().First(); k != nil {
			return fmt.Errorf("store: %s is not a localca store (no meta bucket)", s.path)
		}
	} else if err := s.checkSchema(tx); err != nil {
		return err
	}
	for _, b := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return fmt.Errorf("store: initialising %s: %w", s.path, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	if v, _ := strconv.Atoi(string(meta.Get([]byte("schema")))); v < SchemaVersion {
		return meta.Put([]byte("schema"), []byte(strconv.Itoa(SchemaVersion)))
	}
	return nil
}

// current reports whether the store's schema is this localca's own (an older
// one is raised by initialise before anything is written).
func current(tx *bolt.Tx) bool {
	meta := tx.Bucket(bucketMeta)
	return meta != nil && string(meta.Get([]byte("schema"))) == strconv.Itoa(SchemaVersion)
}

// complete reports whether every bucket of the current schema exists.
func complete(tx *bolt.Tx) bool {
	for _, b := range allBuckets {
		if tx.Bucket(b) == nil {
			return false
		}
	}
	return true
}

func (s *Store) checkSchema(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return fmt.Errorf("store: %s is not a localca store (no meta bucket)", s.path)
	}
	raw := meta.Get([]byte("schema"))
	if v, err := strconv.Atoi(string(raw)); err != nil || v < 1 || v > SchemaVersion {
		return fmt.Errorf("store: %s has schema %q, this localca understands up to %d",
			s.path, raw, SchemaVersion)
	}
	return nil
}

// view runs fn in a read transaction. bbolt panics on a page it cannot
// make sense of; view turns that into ErrCorrupt, so a damaged file gives an
// error that names it instead of a crash.
func (s *Store) view(fn func(*bolt.Tx) error) (err error) {
	defer recoverCorrupt(s.path, &err)
	return s.db.View(fn)
}

// recoverCorrupt turns a panic in the store's own reading and writing
// (bbolt's, on a page it cannot make sense of) into ErrCorrupt in *err. It
// is deferred by everything that reads or writes pages. A panic of a
// caller's callback (see callback) goes on up as it was: it says nothing
// about the file.
func recoverCorrupt(path string, err *error) {
	if r := recover(); r != nil {
		if cp, ok := r.(callbackPanic); ok {
			panic(cp.v)
		}
		*err = fmt.Errorf("%w: %s cannot be read (%v): the file may be damaged; if so, restore it from a backup (localca backup makes them)", ErrCorrupt, path, r)
	}
}

// callbackPanic carries a panic of a caller's callback through view and
// update, which turn only the store's own panics into ErrCorrupt.
type callbackPanic struct{ v any }

// callback wraps a function the caller gave (ForEachCert's, NextCRL's) so
// that a panic in it is told apart from the store's.
func callback[T any](fn func(T) error) func(T) error {
	return func(x T) error {
		defer func() {
			if r := recover(); r != nil {
				panic(callbackPanic{r})
			}
		}()
		return fn(x)
	}
}

// update runs fn in a write transaction: every write of the store goes
// through it, so that Options.BeforeCommit sees each one. A panic of bbolt's
// rolls the transaction back and becomes ErrCorrupt, as in view.
func (s *Store) update(fn func(*bolt.Tx) error) (err error) {
	defer recoverCorrupt(s.path, &err)
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if s.beforeCommit != nil {
			if err := s.beforeCommit(); err != nil {
				return fmt.Errorf("store: commit: %w", err)
			}
		}
		return nil
	})
}

// Check runs bbolt's consistency check over the whole file (every page
// reachable once, the freelist and the B+trees in order) and returns every
// problem it finds, joined; nil means the file is sound. It reads one
// snapshot and does not block writers. Tests call it after killing a
// process mid-write; an operator can run it after a crash.
func (s *Store) Check() error {
	var errs []error
	err := s.view(func(tx *bolt.Tx) error {
		for e := range tx.Check() {
			errs = append(errs, e)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: checking %s: %w", s.path, err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %s fails bbolt's consistency check: %w", ErrCorrupt, s.path, errors.Join(errs...))
	}
	return nil
}

// Path is the file the store lives in.
func (s *Store) Path() string { return s.path }

// Close releases the file and its lock.
func (s *Store) Close() error { return s.db.Close() }

// Backup writes a consistent copy of the whole store to w while it stays in
// use: a read transaction sees one snapshot, and writers are not blocked.
func (s *Store) Backup(w io.Writer) (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("store: backup: %w", err)
	}
	return n, nil
}

// Size is the size in bytes of the store's file as bbolt sees it.
func (s *Store) Size() (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n, err
}
