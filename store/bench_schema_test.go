package store

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/localca/localca/internal/benchalt"
	bolt "go.etcd.io/bbolt"
)

// BenchmarkSchemaReads: "nothing else slower". The reads a user waits for
// on a large store, schema 3 (ours) against schema 2 (the baseline: the
// same records in schema 2's buckets, read as schema 2's code read them,
// legacy_test.go), ALTERNATELY (benchalt: 21 pairs, median ratio with min
// and max). One fixture of 100,000 certificates, all revoked (a CRL's
// worst case), written in schema 2 and migrated to a copy:
//
//	crl        what a CRL reads: every revoked, unexpired certificate of
//	           the issuer (RevokedCerts; schema 2: its revoked bucket)
//	list-name  ListCerts by one name (`localca list --name`)
//	open       opening the file read-only and checking its schema
func BenchmarkSchemaReads(b *testing.B) {
	const n = 100_000
	old, s, oldPath, newPath, issuer := openSchemaFixture(b, n)

	b.Run("crl", func(b *testing.B) {
		benchalt.Bench(b, b.N, func(k int) error {
			for range k {
				got := 0
				if err := s.RevokedCerts(issuer, testNow, func(*Cert) error { got++; return nil }); err != nil || got != n {
					b.Fatalf("RevokedCerts: %d, %v", got, err)
				}
			}
			return nil
		}, func(k int) error {
			for range k {
				if got := legacyRevoked(b, old, issuer); got != n {
					b.Fatalf("schema 2 revoked: %d", got)
				}
			}
			return nil
		})
	})
	b.Run("list-name", func(b *testing.B) {
		i := 0
		benchalt.Bench(b, max(b.N, 1000), func(k int) error {
			for range k {
				i++
				name := "h" + strconv.Itoa(i*7919%n) + ".bulk.test"
				if got, err := s.ListCerts(Filter{Name: name}); err != nil || len(got) != 1 {
					b.Fatalf("ListCerts(%s): %d, %v", name, len(got), err)
				}
			}
			return nil
		}, func(k int) error {
			for range k {
				i++
				name := "h" + strconv.Itoa(i*7919%n) + ".bulk.test"
				if got := legacyByName(b, old, name); got != 1 {
					b.Fatalf("schema 2 by name %s: %d", name, got)
				}
			}
			return nil
		})
	})
	s.Close()
	old.Close()
	b.Run("open", func(b *testing.B) {
		benchalt.Bench(b, max(b.N, 100), func(k int) error {
			for range k {
				if err := openNew(newPath); err != nil {
					return err
				}
			}
			return nil
		}, func(k int) error {
			for range k {
				if err := openOld(oldPath); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// BenchmarkSchemaReadAllocs counts what each read of BenchmarkSchemaReads
// allocates on each side (-benchmem's allocs/op), on a fixture of 2,000
// certificates: the count of list-name and open does not depend on the
// store's size, crl's is per certificate times 2,000.
func BenchmarkSchemaReadAllocs(b *testing.B) {
	const n = 2_000
	old, s, oldPath, newPath, issuer := openSchemaFixture(b, n)
	name := func(i int) string { return "h" + strconv.Itoa(i*7919%n) + ".bulk.test" }
	for _, tc := range []struct {
		name string
		op   func(i int) error
	}{
		{"crl/new", func(int) error {
			return s.RevokedCerts(issuer, testNow, func(*Cert) error { return nil })
		}},
		{"crl/old", func(int) error { legacyRevoked(b, old, issuer); return nil }},
		{"list-name/new", func(i int) error { _, err := s.ListCerts(Filter{Name: name(i)}); return err }},
		{"list-name/old", func(i int) error { legacyByName(b, old, name(i)); return nil }},
		{"open/new", func(int) error { return openNew(newPath) }},
		{"open/old", func(int) error { return openOld(oldPath) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				if err := tc.op(i); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// schemaFixture writes n certificates, all revoked (a CRL's worst case),
// in schema 2 to one file and migrates a copy of it: the two sides of
// BenchmarkSchemaReads.
func schemaFixture(b *testing.B, n int) (oldPath, newPath, issuer string) {
	dir := b.TempDir()
	oldPath, newPath = filepath.Join(dir, "old.db"), filepath.Join(dir, "new.db")
	l := newLegacyStore(b, oldPath)
	l.revokeAll = true
	l.bulk(n)
	l.db.Close()
	if err := copyFile(oldPath, newPath); err != nil {
		b.Fatal(err)
	}
	if _, err := Migrate(newPath, nil); err != nil {
		b.Fatal(err)
	}
	return oldPath, newPath, l.ca.auth.ID
}

// openSchemaFixture builds schemaFixture's two files and opens each
// read-only as its side reads it (schema 2's as a bare bbolt file); both
// are closed when the benchmark ends.
func openSchemaFixture(b *testing.B, n int) (old *bolt.DB, s *Store, oldPath, newPath, issuer string) {
	oldPath, newPath, issuer = schemaFixture(b, n)
	old, err := bolt.Open(oldPath, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { old.Close() })
	if s, err = Open(newPath, &Options{ReadOnly: true}); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return old, s, oldPath, newPath, issuer
}

// openNew is the open row's read: the store opened read-only, its schema
// checked.
func openNew(path string) error {
	s, err := Open(path, &Options{ReadOnly: true})
	if err != nil {
		return err
	}
	return s.Close()
}

// openOld is schema 2's open: the file opened read-only, its schema
// checked.
func openOld(path string) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	err = db.View(func(tx *bolt.Tx) error { return checkLegacySchema(tx, path) })
	db.Close()
	return err
}

// legacyRevoked is schema 2's forEachRevoked: the revoked bucket, each
// certificate decoded, its issuer and expiry checked.
func legacyRevoked(b *testing.B, db *bolt.DB, issuer string) (n int) {
	err := db.View(func(tx *bolt.Tx) error {
		certs, iss := tx.Bucket([]byte("certs")), legacyIssuers{b: tx.Bucket([]byte("authorities"))}
		c := tx.Bucket([]byte("revoked")).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			cert, err := decodeCert(certs.Get(k), iss)
			if err != nil {
				return err
			}
			if cert.IssuerID == issuer && !testNow.After(cert.NotAfter) {
				n++
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// legacyByName is schema 2's ForEachCert by name: its name index, then
// each certificate decoded.
func legacyByName(b *testing.B, db *bolt.DB, name string) (n int) {
	err := db.View(func(tx *bolt.Tx) error {
		certs, iss := tx.Bucket([]byte("certs")), legacyIssuers{b: tx.Bucket([]byte("authorities"))}
		prefix := append([]byte(name), 0)
		c := tx.Bucket([]byte("certs_by_name")).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			seq := k[len(k)-8:]
			if _, err := decodeCert(certs.Get(seq), iss); err != nil {
				return err
			}
			_ = binary.BigEndian.Uint64(seq)
			n++
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return n
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
