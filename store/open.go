package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// MigrateMode says what Open does with a store of an older schema.
type MigrateMode int

const (
	// MigrateNever refuses an older store with ErrMigrationNeeded, whose
	// message names the command that migrates it. It is the zero value:
	// `serve` and other long-running commands never migrate inside a
	// request.
	MigrateNever MigrateMode = iota
	// MigrateSmall migrates a store of fewer than MigrateLimit certificates
	// (a backup first, Options.Notice told), and refuses a larger one as
	// MigrateNever does: the CLI's one-shot commands.
	MigrateSmall
	// MigrateAlways migrates whatever the size (`localca store migrate`).
	MigrateAlways
)

// MigrateLimit is the most certificates a store may hold for Open to
// migrate it by itself (MigrateSmall): about a second of work.
const MigrateLimit = 10_000

// Open opens (creating if needed, mode 0600) the store in the bbolt file
// at path. A lock held by another process gives ErrInUse after
// Options.Timeout; a damaged file gives ErrCorrupt; a file of an older
// schema (1 to 3) is migrated or refused as Options.Migrate says.
func Open(path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	// A zero Timeout and Now are left for openBolt, Migrate and New, which
	// each fill them in.
	bo := &BoltOptions{Timeout: o.Timeout, ReadOnly: o.ReadOnly, NoSync: o.NoSync}
	b, err := openBolt(path, bo)
	if err != nil {
		return nil, err
	}
	in, err := b.inspect()
	switch {
	case err != nil:
		b.Close()
		return nil, err
	case in.layout == layoutLegacy || in.layout == layoutOneTree:
		n, from, err := b.olderCerts()
		b.Close()
		if err != nil {
			return nil, err
		}
		if o.Migrate == MigrateNever || (o.Migrate == MigrateSmall && n >= MigrateLimit) {
			return nil, fmt.Errorf("%w: %s holds %d certificates in schema %d; run `localca store migrate` (it keeps a backup)", ErrMigrationNeeded, path, n, from)
		}
		rep, err := Migrate(path, &MigrateOptions{Timeout: o.Timeout})
		if err != nil {
			return nil, err
		}
		if o.Notice != nil {
			o.Notice(rep.String())
		}
		if b, err = openBolt(path, bo); err != nil {
			return nil, err
		}
		if in, err = b.inspect(); err != nil {
			b.Close()
			return nil, err
		}
	case in.layout == layoutEmpty && !o.ReadOnly:
		if err := b.ensureBucket(); err != nil {
			b.Close()
			return nil, fmt.Errorf("store: preparing %s: %w", path, err)
		}
	case in.layout == layoutForeign:
		b.Close()
		return nil, fmt.Errorf("store: %s is not a localca store (no meta bucket)", path)
	}
	s, err := newStore(b, o, &in.schema)
	if err != nil {
		b.Close()
		return nil, err
	}
	if !o.ReadOnly && in.markMissing {
		if err := b.ensureMark(); err != nil {
			s.Close()
			return nil, fmt.Errorf("store: preparing %s: %w", path, err)
		}
	}
	return s, nil
}

// layouts of a bbolt file.
const (
	layoutEmpty   = iota // a new file
	layoutCurrent        // schema 4: the keyspace in two trees
	layoutOneTree        // schema 3: the keyspace in one tree
	layoutLegacy         // schema 1 or 2: a bucket per kind
	layoutForeign        // another program's bbolt file
)

// inspection is what Open learns of a bbolt file in one read transaction
// (inspect): on a large file each page it touches may cost a fault, and
// each transaction its own look at the meta and root pages, so the
// layout, the schema and whether the mark is missing are read together
// rather than by three transactions.
type inspection struct {
	layout int
	// schema is the keyspace's meta/schema as prepare wants it (from
	// boltMarkBucket when the file has it, else from the tree).
	schema schemaRead
	// markMissing: a file of schema 4 without boltMarkBucket (ensureMark).
	markMissing bool
}

// inspect tells what the file holds, reading only.
func (b *BoltBackend) inspect() (in inspection, err error) {
	defer recoverCorrupt(b.path, &err)
	err = b.db.View(func(tx *bolt.Tx) error {
		ord := tx.Bucket(boltBucket)
		rnd := ord // looked up only when the keyspace may be empty
		switch {
		case ord != nil:
			in.layout = layoutCurrent
			if m := tx.Bucket(boltMarkBucket); m != nil {
				in.schema.raw = get(m, kSchema)
			} else {
				in.markMissing = true
			}
		case tx.Bucket(boltOneTreeBucket) != nil:
			in.layout = layoutOneTree
			ord = tx.Bucket(boltOneTreeBucket)
		case tx.Bucket(legacyMeta) != nil:
			in.layout = layoutLegacy
		default:
			if k, _ := tx.Cursor().First(); k != nil {
				in.layout = layoutForeign
			}
		}
		if in.schema.raw == nil && ord != nil {
			in.schema.raw = get(ord, kSchema)
		}
		in.schema.raw = clone(in.schema.raw)
		if in.schema.raw == nil && in.layout == layoutCurrent {
			rnd = tx.Bucket(boltRandomBucket)
		}
		in.schema.empty = in.schema.raw == nil && treeEmpty(ord) && treeEmpty(rnd)
		return nil
	})
	return in, err
}

// treeEmpty reports whether b, which may be nil, holds no key.
func treeEmpty(b *bolt.Bucket) bool {
	if b == nil {
		return true
	}
	k, _ := b.Cursor().First()
	return k == nil
}

// olderCerts counts the certificates of a file of schema 1 to 3 (in
// schema 3, a walk of their keys) and tells its schema.
func (b *BoltBackend) olderCerts() (n, schema int, err error) {
	defer recoverCorrupt(b.path, &err)
	err = b.db.View(func(tx *bolt.Tx) error {
		if kv := tx.Bucket(boltOneTreeBucket); kv != nil {
			schema = oneTreeSchema
			if err := checkOneTreeSchema(tx, b.path); err != nil {
				return err
			}
			c := kv.Cursor()
			for k, _ := c.Seek(pCert); k != nil && bytes.HasPrefix(k, pCert); k, _ = c.Next() {
				if hasSuffixLen(k, pCert, 8) {
					n++
				}
			}
			return nil
		}
		if err := checkLegacySchema(tx, b.path); err != nil {
			return err
		}
		fmt.Sscan(string(tx.Bucket(legacyMeta).Get([]byte("schema"))), &schema)
		if c := tx.Bucket(legacyCerts); c != nil {
			n = c.Stats().KeyN
		}
		return nil
	})
	return n, schema, err
}

// fileExists is for Migrate's refusal to overwrite.
func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, os.ErrNotExist)
}
