package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SchemaVersion is the layout this localca writes to a bbolt file: 4 is
// the one ordered keyspace (layout.go) in two B+trees, one for keys that
// arrive in key order and one for keys that arrive in none (bolt.go). A
// file of schema 2 (buckets per kind) or 3 (the keyspace in one tree) is
// migrated (migrate.go).
const SchemaVersion = 4

// keyspaceSchema is the schema of the keyspace itself, its keys and
// records, which meta/schema holds: the same in etcd and in a bbolt file
// of schema 3 or 4 (schema 4 changed how bbolt keeps it, not what it
// holds), so that `localca store copy` moves it between them as it is.
// Open and New refuse a newer one rather than misread it.
//
// Keyspace 4 has the keys of 3; its key records may keep an ECDSA key as
// its scalar (keypem.go), which a localca of keyspace 3 cannot read.
// Keyspace 5 keeps a certificate whose serial begins with its issue time
// under the id that serial gives (serialID), with no serial/ entry, which
// a localca of keyspace 4 would not find. Such a localca parses
// meta/schema's head as a number and refuses a greater one, quoting the
// whole mark, which names the localca that reads it (keyspace 3 parsed the
// whole value as a number, so it refuses any mark with words in it). A
// keyspace of 3 or 4 is read as it is (every certificate there has its
// serial/ entry) and marked 5 by the first writable open (New), before
// anything is written in the new forms.
//
// Keyspace 6 may code a certificate's DER against its issuer's certificate
// (record version 3, dercode.go), which a localca of keyspace 5 cannot
// read; a keyspace of 3 to 5 is read as it is and marked 6 the same way.
//
// Keyspace 7 holds what 6 does; in a bbolt file, writes may wait in a log
// beside the file (bolt_wal.go) until the file takes them. A localca of
// keyspace 6 would read the file without them, and write over what the
// log then replays: so it must refuse the file, and the mark is written
// into the file itself before anything is logged. In etcd, 7 is 6. A
// keyspace of 3 to 6 is read as it is and marked 7 the same way.
const keyspaceSchema = 7

// keyspaceMark is what meta/schema holds in a keyspace of keyspaceSchema.
const keyspaceMark = "7 (writes logged beside the file; read by localca from 2026-12-02 20:00 UTC on)"

// oneTreeSchema is the keyspace of a bbolt file of schema 3 (one tree),
// and that file's schema: Migrate reads it.
const oneTreeSchema = 3

// parseKeyspaceSchema reads the number at the head of a meta/schema value
// ("3", or keyspaceMark); ok is false for anything else.
func parseKeyspaceSchema(raw []byte) (int, bool) {
	head, _, _ := bytes.Cut(raw, []byte(" "))
	v, err := strconv.Atoi(string(head)) // a short head converts on the stack
	return v, err == nil
}

// Options tune Open and New. The zero value suits a library user: a durable
// store that never migrates by itself.
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
	// Now is the clock for event times and ids; nil means time.Now.
	Now func() time.Time
	// BeforeCommit, when set, runs inside every write transaction of the
	// open store (Commit, revocations, CRL numbers, tokens, settings; not
	// Open's own), after the transaction's writes and before it commits.
	// An error it returns rolls the write back and is returned as that
	// write's error, exactly as a failed write or fsync would be. It is the
	// seam through which tests make a commit fail after a certificate is
	// signed, since a full disk cannot be had on demand; localca itself
	// never sets it.
	BeforeCommit func() error
	// Migrate says what Open does with a store of an older schema
	// (MigrateNever: refuse with ErrMigrationNeeded, naming the command).
	Migrate MigrateMode
	// Notice receives what Open wants the user to know (that it migrated
	// the store, and where the backup is). nil discards it.
	Notice func(string)
}

// Store is an open localca store. It is safe for concurrent use.
type Store struct {
	b            Backend
	where        string
	now          func() time.Time
	beforeCommit func() error
	// group lets concurrent Commit calls share a transaction (group.go).
	group committer
	ids   idGen
	// issuerIDs remembers resolved issuer prefixes (codec.go, issuers).
	issuerIDs sync.Map
	// issuerDicts remembers the dictionaries of authorities' certificates,
	// by id (codec.go, issuers.dict).
	issuerDicts sync.Map
	// walks keeps the state of reads through certificates (walk.go).
	walks sync.Pool
}

// New opens the store kept in backend b (any engine): it checks the
// schema and, when b is empty and writable, writes it. The store owns b
// from then on: Close closes it.
func New(b Backend, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	return newStore(b, o, nil)
}

// newStore is New for an opener that has read meta/schema already (Open:
// in the one transaction that also learnt the file's layout); known nil
// means read it here.
func newStore(b Backend, o Options, known *schemaRead) (*Store, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	var where string
	if p, ok := b.(interface{ Path() string }); ok {
		where = p.Path() // a bbolt file: no need to ask Status, which stats it
	} else if u, ok := b.(interface{ URL() string }); ok {
		where = u.URL() // etcd: no need to ask every member
	} else {
		st, _ := b.Status(context.Background())
		where = st.Where
	}
	s := &Store{b: b, where: where, now: o.Now, beforeCommit: o.BeforeCommit}
	if known == nil {
		read, err := s.readSchema()
		if err != nil {
			return nil, err
		}
		known = &read
	}
	if err := s.prepare(o.ReadOnly, *known); err != nil {
		return nil, err
	}
	return s, nil
}

// schemaRead is the keyspace's meta/schema as an opener found it: raw is
// its value (nil when absent), empty whether the keyspace holds no key.
type schemaRead struct {
	raw   []byte
	empty bool
}

// readSchema reads meta/schema, and when there is none whether the
// keyspace is empty, in one read transaction of the backend.
func (s *Store) readSchema() (r schemaRead, err error) {
	err = s.view(func(tx ReadTx) error {
		v, err := tx.Get(kSchema)
		r.raw = clone(v)
		if err != nil || v != nil {
			return err
		}
		r.empty = true
		return tx.Range(nil, nil, false, func(_, _ []byte) error { r.empty = false; return ErrStopRange })
	})
	return r, err
}

// prepare checks the schema read and, in an empty writable keyspace,
// writes it. A current store is only read: a write would cost a commit on
// every open.
func (s *Store) prepare(readOnly bool, r schemaRead) error {
	raw, empty := r.raw, r.empty
	switch {
	case raw == nil && empty && !readOnly:
		return s.markSchema()
	case raw == nil && empty:
		return fmt.Errorf("%w: %s holds no localca store yet", ErrNotFound, s.where)
	case raw == nil:
		return fmt.Errorf("store: %s is not a localca store (no %s)", s.where, kSchema)
	}
	switch v, ok := parseKeyspaceSchema(raw); {
	case !ok || v < oneTreeSchema || v > keyspaceSchema:
		return fmt.Errorf("%w: %s has schema %q, this localca reads %d to %d", ErrSchema, s.where, raw, oneTreeSchema, keyspaceSchema)
	case v < keyspaceSchema && !readOnly:
		return s.markSchema()
	}
	return nil
}

// markSchema writes keyspaceMark: into a new keyspace, or over a keyspace
// of 3 to 6, whose records this keyspace reads as they are.
func (s *Store) markSchema() error {
	return s.b.Update(context.Background(), func(tx WriteTx) error {
		return tx.Put(kSchema, []byte(keyspaceMark))
	})
}

// view runs fn in a read transaction of the backend.
func (s *Store) view(fn func(ReadTx) error) error {
	return s.named(s.b.View(context.Background(), fn))
}

// named names the store in an ErrCorrupt that does not yet.
func (s *Store) named(err error) error {
	if err != nil && errors.Is(err, ErrCorrupt) && !strings.Contains(err.Error(), s.where) {
		return fmt.Errorf("%w (in %s)", err, s.where)
	}
	return err
}

// update runs fn in a write transaction: every write of the store goes
// through it (or through commitGroup's Batch), so that
// Options.BeforeCommit sees each one.
func (s *Store) update(fn func(WriteTx) error) error {
	return s.named(s.b.Update(context.Background(), s.hooked(fn)))
}

// hooked refuses the write on a store that `localca store copy` moved
// (naming the live one) and adds Options.BeforeCommit to the end of fn.
// The mark is read inside the transaction, so it is one of the commit's
// conditions on etcd: no write lands after a copy marked the source, and
// two live copies of one CA never issue.
func (s *Store) hooked(fn func(WriteTx) error) func(WriteTx) error {
	return func(tx WriteTx) error {
		if v, err := tx.Get(keyMovedTo); err != nil {
			return err
		} else if v != nil {
			return fmt.Errorf("%w to %q: use --store %q (this copy is read-only)", ErrMoved, v, v)
		}
		if err := fn(tx); err != nil {
			return err
		}
		if s.beforeCommit == nil {
			return nil
		}
		if err := s.beforeCommit(); err != nil {
			return fmt.Errorf("store: commit: %w", err)
		}
		return nil
	}
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

// callbackPanic carries a panic of a caller's callback through the
// backend, which turns only its own panics into ErrCorrupt.
type callbackPanic struct{ v any }

// callback wraps a function the caller gave (ForEachCert's, NextCRL's) so
// that a panic in it is told apart from the store's.
func callback[T any](fn func(T) error) func(T) error {
	return func(x T) error { return call(fn, x) }
}

// call is fn(x), a panic in fn carried up as a callbackPanic.
func call[T any](fn func(T) error, x T) error {
	defer func() {
		if r := recover(); r != nil {
			panic(callbackPanic{r})
		}
	}()
	return fn(x)
}

// Check runs the engine's consistency check (bbolt: every page reachable
// once, the freelist and the B+tree in order) and returns every problem
// it finds, joined; nil means sound. It reads one snapshot and does not
// block writers. Tests call it after killing a process mid-write; an
// operator can run it after a crash.
func (s *Store) Check() error {
	c, ok := s.b.(Checker)
	if !ok {
		return nil
	}
	return c.Check(context.Background())
}

// Path is where the store lives: its file, or its engine's endpoints.
func (s *Store) Path() string { return s.where }

// Backend is the engine the store is kept in.
func (s *Store) Backend() Backend { return s.b }

// Close releases the engine (the file and its lock).
func (s *Store) Close() error { return s.b.Close() }

// Backup writes a consistent copy of the whole store to w while it stays in
// use: one snapshot, and writers are not blocked.
func (s *Store) Backup(w io.Writer) (int64, error) {
	sn, ok := s.b.(Snapshotter)
	if !ok {
		return 0, fmt.Errorf("store: backup: the %T engine makes no snapshots", s.b)
	}
	n, err := sn.Snapshot(context.Background(), w)
	if err != nil {
		return n, fmt.Errorf("store: backup: %w", err)
	}
	return n, nil
}

// Size is the number of bytes the store's data takes (bbolt: its pages in
// use); see Status for more.
func (s *Store) Size() (int64, error) {
	st, err := s.b.Status(context.Background())
	if err != nil {
		return 0, err
	}
	return st.InUse, nil
}
