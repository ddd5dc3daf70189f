package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// MigrateOptions tune Migrate.
type MigrateOptions struct {
	// Timeout is how long to wait for another process's lock (ErrInUse).
	// Zero means 2 seconds.
	Timeout time.Duration
	// Progress, when set, is called after each chunk of certificates with
	// how many are done of how many.
	Progress func(done, total int)
	// Now names the backup; nil means time.Now.
	Now func() time.Time
}

// MigrateReport says what Migrate did.
type MigrateReport struct {
	Path    string        `json:"path"`
	Backup  string        `json:"backup,omitempty"` // the older file, as it was
	From    int           `json:"from_schema"`
	To      int           `json:"to_schema"`
	Certs   int           `json:"certs"`
	Events  int           `json:"events"`
	Took    time.Duration `json:"took_ns"`
	Current bool          `json:"already_current,omitempty"` // nothing to do
}

func (r MigrateReport) String() string {
	if r.Current {
		return fmt.Sprintf("store %s is already schema %d: nothing to migrate", r.Path, SchemaVersion)
	}
	return fmt.Sprintf("migrated store %s from schema %d to %d (%d certificates, %d events, %s); the schema-%d file is kept as %s",
		r.Path, r.From, r.To, r.Certs, r.Events, r.Took.Round(time.Millisecond), r.From, r.Backup)
}

// migrateChunk is how many certificates one transaction of the new file
// takes. bbolt splits the leaves a transaction fills only when it commits:
// until then every key lands in the one node its range began in, and an
// insertion in the middle of a node moves everything after it. Chunks of a
// few thousand keep those nodes short (20,000 took ten times as long).
const migrateChunk = 2_000

// Migrate moves the schema-1, -2 or -3 store at path to SchemaVersion. It
// holds the file's lock throughout, so no other localca writes meanwhile,
// and:
//
//  1. copies the file as it is to PATH.schemaN-TIME.bak (the backup, named
//     in the report);
//  2. writes the same records in the new layout to PATH.migrating, in
//     chunks (Options.Progress), from schema 1 or 2 copies that once more
//     in key order into full pages (repack), and syncs it;
//  3. marks the old file migrated (a process that was waiting for its lock
//     then refuses it instead of migrating it again) and renames the new
//     file over PATH.
//
// A crash before step 3 leaves PATH as it was (and a stale .migrating file,
// which the next Migrate replaces). Every record is kept, CSRs included:
// schema 2 cannot tell which ones a user gave. From schema 1 or 2 the
// derived indexes are rebuilt from the certificates; schema 3 holds the
// same keyspace, which is copied key by key into the two trees.
func Migrate(path string, opts *MigrateOptions) (MigrateReport, error) {
	var o MigrateOptions
	if opts != nil {
		o = *opts
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	start := time.Now()
	rep := MigrateReport{Path: path, To: SchemaVersion}
	old, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.Timeout, FreelistType: bolt.FreelistMapType})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return rep, fmt.Errorf("%w: %s (waited %s)", ErrInUse, path, o.Timeout)
		}
		return rep, fmt.Errorf("store: opening %s: %w", path, err)
	}
	defer old.Close()
	err = old.View(func(tx *bolt.Tx) error {
		switch {
		case tx.Bucket(boltBucket) != nil:
			rep.Current = true
			return nil
		case tx.Bucket(boltOneTreeBucket) != nil:
			rep.From = oneTreeSchema
			return checkOneTreeSchema(tx, path)
		case tx.Bucket(legacyMeta) == nil:
			return fmt.Errorf("store: %s is not a localca store (no meta bucket)", path)
		}
		if err := checkLegacySchema(tx, path); err != nil {
			return err
		}
		fmt.Sscan(string(tx.Bucket(legacyMeta).Get([]byte("schema"))), &rep.From)
		return nil
	})
	if err != nil || rep.Current {
		return rep, err
	}
	rep.Backup = fmt.Sprintf("%s.schema%d-%s.bak", path, rep.From, o.Now().UTC().Format("20060102T150405Z"))
	if err := backupFile(path, rep.Backup); err != nil {
		return rep, err
	}
	tmp := path + ".migrating"
	os.Remove(tmp)
	nb, err := OpenBolt(tmp, &BoltOptions{NoSync: true})
	if err != nil {
		return rep, err
	}
	copyAll := copyLegacy
	if rep.From == oneTreeSchema {
		copyAll = copyOneTree
	}
	err = old.View(func(tx *bolt.Tx) error { return copyAll(tx, nb, &rep, o.Progress) })
	if err == nil && rep.From != oneTreeSchema {
		if nb, err = repack(nb); err != nil {
			os.Remove(tmp)
			return rep, fmt.Errorf("store: migrating %s: %w", path, err)
		}
	}
	if err == nil {
		err = nb.db.Sync()
	}
	if cerr := nb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return rep, fmt.Errorf("store: migrating %s: %w", path, err)
	}
	err = old.Update(func(tx *bolt.Tx) error {
		mark := []byte(fmt.Sprintf("migrated to schema %d in %s: open it again", SchemaVersion, path))
		if rep.From == oneTreeSchema {
			return tx.Bucket(boltOneTreeBucket).Put(kSchema, mark)
		}
		return tx.Bucket(legacyMeta).Put([]byte("schema"), mark)
	})
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return rep, fmt.Errorf("store: migrating %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	rep.Took = time.Since(start)
	return rep, nil
}

// backupFile copies the file at src, which the caller's lock keeps still,
// byte for byte to dst, synced; it never replaces a file.
func backupFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("store: backup before migrating: %w", err)
	}
	defer in.Close()
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("store: backup before migrating: %w", err)
	}
	_, err = io.Copy(f, in)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return fmt.Errorf("store: backup before migrating: %w", err)
	}
	syncDir(filepath.Dir(dst))
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// copyLegacy writes every record of the schema-2 transaction old into nb.
func copyLegacy(old *bolt.Tx, nb *BoltBackend, rep *MigrateReport, progress func(done, total int)) error {
	err := nb.update(func(tx *boltTx) error {
		if err := tx.Put(kSchema, []byte(keyspaceMark)); err != nil {
			return err
		}
		return copySmall(old, tx)
	})
	if err != nil {
		return err
	}
	certs := old.Bucket(legacyCerts)
	total := 0
	if certs != nil {
		total = certs.Stats().KeyN
	}
	iss := newLegacyIssuers(old.Bucket(legacyAuthorities))
	// Ids are times: a certificate's is its cert.issued event's (its
	// record is that event now), else its notBefore; an event's is its own.
	// Equal times move up by a nanosecond.
	used := make(map[uint64]bool)
	idAt := func(t time.Time) uint64 {
		id := uint64(max(t.UnixNano(), 1))
		for used[id] {
			id++
		}
		used[id] = true
		return id
	}
	issued := make(map[string]time.Time) // serial hex → issue time
	if events := old.Bucket(legacyEvents); events != nil {
		err := events.ForEach(func(k, v []byte) error {
			e, err := decodeEvent(binary.BigEndian.Uint64(k), v)
			if err == nil && e.Kind == "cert.issued" {
				issued[strings.ToLower(e.Ref)] = e.Time
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	nextID := func(c *Cert) uint64 {
		if t, ok := issued[hex.EncodeToString(c.Serial)]; ok {
			return idAt(t)
		}
		nb, _ := derNotBefore(c.DER)
		return idAt(nb)
	}
	if certs != nil {
		c := certs.Cursor()
		k, v := c.First()
		for k != nil {
			err := nb.update(func(tx *boltTx) error {
				for n := 0; k != nil && n < migrateChunk; k, v = c.Next() {
					cert, err := decodeCert(v, iss)
					if err != nil {
						return fmt.Errorf("certificate record %x: %w", k, err)
					}
					cert.id = nextID(cert)
					if err := writeCert(tx, iss, cert); err != nil {
						return err
					}
					n++
					rep.Certs++
				}
				return nil
			})
			if err != nil {
				return err
			}
			if progress != nil {
				progress(rep.Certs, total)
			}
		}
	}
	// Events keep their times; a cert.issued is the certificate's record
	// now.
	if events := old.Bucket(legacyEvents); events != nil {
		c := events.Cursor()
		k, v := c.First()
		for k != nil {
			err := nb.update(func(tx *boltTx) error {
				for n := 0; k != nil && n < 4*migrateChunk; k, v = c.Next() {
					e, err := decodeEvent(binary.BigEndian.Uint64(k), v)
					if err != nil {
						return err
					}
					if _, ok := issued[strings.ToLower(e.Ref)]; ok && e.Kind == "cert.issued" {
						continue
					}
					if err := tx.Put(eventKey(idAt(e.Time)), clone(v)); err != nil {
						return err
					}
					n++
					rep.Events++
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// checkOneTreeSchema accepts a schema-3 file's keyspace only (3, or a
// later keyspace when this engine wrote to the file as it is): one that
// Migrate marked migrated (a process that waited for its lock meanwhile)
// is refused.
func checkOneTreeSchema(tx *bolt.Tx, path string) error {
	raw := tx.Bucket(boltOneTreeBucket).Get(kSchema)
	if v, ok := parseKeyspaceSchema(raw); !ok || v < oneTreeSchema || v > keyspaceSchema {
		return fmt.Errorf("%w: %s has schema %q in one tree, this localca migrates %d", ErrSchema, path, raw, oneTreeSchema)
	}
	return nil
}

// copyOneTree writes every key of the schema-3 transaction old into nb,
// whose trees it fills in key order (boltInOrderFillPercent), in
// transactions of 8×migrateChunk keys (a certificate has five or so).
func copyOneTree(old *bolt.Tx, nb *BoltBackend, rep *MigrateReport, progress func(done, total int)) error {
	kv := old.Bucket(boltOneTreeBucket)
	total := 0
	c := kv.Cursor()
	for k, _ := c.Seek(pCert); k != nil && bytes.HasPrefix(k, pCert); k, _ = c.Next() {
		if hasSuffixLen(k, pCert, 8) {
			total++
		}
	}
	nb.inOrder = true
	defer func() { nb.inOrder = false }()
	k, v := c.First()
	for k != nil {
		err := nb.update(func(tx *boltTx) error {
			for n := 0; k != nil && n < 8*migrateChunk; k, v = c.Next() {
				if err := tx.Put(clone(k), clone(v)); err != nil {
					return err
				}
				switch {
				case hasSuffixLen(k, pCert, 8):
					rep.Certs++
				case hasSuffixLen(k, pEvent, 8):
					rep.Events++
				}
				n++
			}
			return nil
		})
		if err != nil {
			return err
		}
		if progress != nil {
			progress(rep.Certs, total)
		}
	}
	return nil
}

// repack copies the keyspace of nb, key by key in key order, into a new
// file whose trees it fills in key order (boltInOrderFillPercent), and puts
// that file in nb's place: the backend it returns (nb is closed, whatever
// the outcome). copyLegacy writes a
// certificate's record and its index entries together, five ranges of one
// tree growing at once, and a bbolt node that takes keys in its middle
// splits off a page per key beyond the full part: one of schema 2's
// certificates in that order left the ordered tree's branch pages a fifth
// full and four levels deep at 100,000 certificates, which every read
// descends. The second pass costs a sequential write of the new file.
func repack(nb *BoltBackend) (_ *BoltBackend, err error) {
	packedPath := nb.path + ".packed"
	os.Remove(packedPath)
	packed, err := OpenBolt(packedPath, &BoltOptions{NoSync: true})
	if err != nil {
		nb.Close()
		return nil, err
	}
	defer func() {
		if err != nil {
			packed.Close()
			os.Remove(packedPath)
		}
	}()
	packed.inOrder = true
	var ks, vs [][]byte
	flush := func() error {
		err := packed.update(func(tx *boltTx) error {
			for i := range ks {
				if err := tx.Put(ks[i], vs[i]); err != nil {
					return err
				}
			}
			return nil
		})
		ks, vs = ks[:0], vs[:0]
		return err
	}
	err = nb.View(context.Background(), func(tx ReadTx) error {
		return tx.Range(nil, nil, false, func(k, v []byte) error {
			ks, vs = append(ks, clone(k)), append(vs, clone(v))
			if len(ks) < 8*migrateChunk {
				return nil
			}
			return flush()
		})
	})
	if err == nil && len(ks) > 0 {
		err = flush()
	}
	if cerr := nb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := os.Rename(packedPath, nb.path); err != nil {
		return nil, err
	}
	packed.inOrder, packed.path = false, nb.path
	return packed, nil
}

// copySmall copies the kinds a store holds few of: authorities, the active
// pair, settings, keys, CSRs, tokens, ACME state, DNS records.
func copySmall(old *bolt.Tx, tx *boltTx) error {
	meta := old.Bucket(legacyMeta)
	for _, k := range [][]byte{kRoot, kIntermediate} {
		if v := meta.Get(k[len(pMeta):]); v != nil {
			if err := tx.Put(k, clone(v)); err != nil {
				return err
			}
		}
	}
	err := meta.ForEach(func(k, v []byte) error {
		if name, ok := strings.CutPrefix(string(k), "setting/"); ok {
			return tx.Put(settingKey(name), clone(v))
		}
		return nil
	})
	if err != nil {
		return err
	}
	copyBucket := func(name []byte, fn func(k, v []byte) error) error {
		if b := old.Bucket(name); b != nil {
			return b.ForEach(fn)
		}
		return nil
	}
	err = copyBucket(legacyAuthorities, func(k, v []byte) error {
		var a Authority
		if err := decodeRecord(k, v, &a); err != nil {
			return err
		}
		if !a.RevokedAt.IsZero() {
			if err := tx.Put(authorityRevokedKey(a.ID), nil); err != nil {
				return err
			}
		}
		return tx.Put(authorityKey(string(k)), clone(v))
	})
	if err != nil {
		return err
	}
	if err := copyBucket(legacyKeys, recode[Key](tx, keyKey)); err != nil {
		return err
	}
	if err := copyBucket(legacyCSRs, recode[CSR](tx, csrKey)); err != nil {
		return err
	}
	err = copyBucket(legacyTokens, func(k, v []byte) error { return tx.Put(tokenKey(k), clone(v)) })
	if err != nil {
		return err
	}
	err = copyBucket(legacyACME, func(k, v []byte) error { return tx.Put(acmeKey(string(k)), clone(v)) })
	if err != nil {
		return err
	}
	return copyBucket(legacyDNS, func(k, _ []byte) error { return tx.Put(dnsKey(string(k)), nil) })
}

// recode returns a copyBucket function that decodes each legacy record as a
// T and stores it again, in today's encoding, at key(k).
func recode[T any](tx WriteTx, key func([]byte) []byte) func(k, v []byte) error {
	return func(k, v []byte) error {
		var r T
		if err := decodeRecord(k, v, &r); err != nil {
			return err
		}
		return putRecord(tx, key(k), &r)
	}
}

// derNotBefore reads a certificate's notBefore without parsing the rest:
// the time a migrated certificate's id is made from.
func derNotBefore(der []byte) (time.Time, bool) {
	in := cryptobyte.String(der)
	var cert, tbs, validity cryptobyte.String
	var t time.Time
	if !in.ReadASN1(&cert, asn1.SEQUENCE) || !cert.ReadASN1(&tbs, asn1.SEQUENCE) ||
		!tbs.SkipOptionalASN1(asn1.Tag(0).Constructed().ContextSpecific()) ||
		!tbs.SkipASN1(asn1.INTEGER) || !tbs.SkipASN1(asn1.SEQUENCE) || !tbs.SkipASN1(asn1.SEQUENCE) ||
		!tbs.ReadASN1(&validity, asn1.SEQUENCE) {
		return t, false
	}
	switch {
	case validity.PeekASN1Tag(asn1.UTCTime):
		return t, validity.ReadASN1UTCTime(&t)
	case validity.PeekASN1Tag(asn1.GeneralizedTime):
		return t, validity.ReadASN1GeneralizedTime(&t)
	}
	return t, false
}
