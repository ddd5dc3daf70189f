package store

import (
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
	Backup  string        `json:"backup,omitempty"` // the schema-2 file, as it was
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

// Migrate moves the schema-1 or -2 store at path to schema 3. It holds the
// file's lock throughout, so no other localca writes meanwhile, and:
//
//  1. copies the file as it is to PATH.schema2-TIME.bak (the backup, named
//     in the report);
//  2. writes the same records in the new layout to PATH.migrating, in
//     chunks (Options.Progress), and syncs it;
//  3. marks the old file migrated (a process that was waiting for its lock
//     then refuses it instead of migrating it again) and renames the new
//     file over PATH.
//
// A crash before step 3 leaves PATH as it was (and a stale .migrating file,
// which the next Migrate replaces). Every record is kept, CSRs included:
// schema 2 cannot tell which ones a user gave. The derived indexes are
// rebuilt from the certificates.
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
	err = old.View(func(tx *bolt.Tx) error { return copyLegacy(tx, nb, &rep, o.Progress) })
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
		return tx.Bucket(legacyMeta).Put([]byte("schema"), []byte("migrated to schema 3 in "+path+": open it again"))
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
		if err := tx.Put(kSchema, []byte(fmt.Sprint(SchemaVersion))); err != nil {
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
	iss := legacyIssuers{old.Bucket(legacyAuthorities)}
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
	err = copyBucket(legacyKeys, func(k, v []byte) error {
		var key Key
		if err := decodeRecord(k, v, &key); err != nil {
			return err
		}
		return putRecord(tx, keyKey(k), &key)
	})
	if err != nil {
		return err
	}
	err = copyBucket(legacyCSRs, func(k, v []byte) error {
		var c CSR
		if err := decodeRecord(k, v, &c); err != nil {
			return err
		}
		return putRecord(tx, csrKey(k), &c)
	})
	if err != nil {
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
