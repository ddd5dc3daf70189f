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
	switch l, err := b.layout(); {
	case err != nil:
		b.Close()
		return nil, err
	case l == layoutLegacy || l == layoutOneTree:
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
	case l == layoutEmpty && !o.ReadOnly:
		if err := b.ensureBucket(); err != nil {
			b.Close()
			return nil, fmt.Errorf("store: preparing %s: %w", path, err)
		}
	case l == layoutForeign:
		b.Close()
		return nil, fmt.Errorf("store: %s is not a localca store (no meta bucket)", path)
	}
	s, err := New(b, &o)
	if err != nil {
		b.Close()
		return nil, err
	}
	if !o.ReadOnly {
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

// layout tells what the file holds, reading only.
func (b *BoltBackend) layout() (l int, err error) {
	defer recoverCorrupt(b.path, &err)
	err = b.db.View(func(tx *bolt.Tx) error {
		switch {
		case tx.Bucket(boltBucket) != nil:
			l = layoutCurrent
		case tx.Bucket(boltOneTreeBucket) != nil:
			l = layoutOneTree
		case tx.Bucket(legacyMeta) != nil:
			l = layoutLegacy
		default:
			if k, _ := tx.Cursor().First(); k != nil {
				l = layoutForeign
			}
		}
		return nil
	})
	return l, err
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
