package store

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// newSchema3Store makes a store file of schema 3 at path, as that localca
// made it: the keyspace in one bucket, "kv", and the mark for schema 2 in
// the meta bucket. The engine still writes such a file as it is, so the
// records are written through the typed API.
func newSchema3Store(t *testing.T, path string) *Store {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucket(boltOneTreeBucket); err != nil {
			return err
		}
		m, err := tx.CreateBucket(legacyMeta)
		if err != nil {
			return err
		}
		return m.Put([]byte("schema"), []byte("3 (one keyspace; read by localca from December 2026 on)"))
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := OpenBolt(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(b, &Options{Now: func() time.Time { return testNow }})
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	if v, err := b.schema(); err != nil || v != 3 {
		t.Fatalf("the file made as schema 3 reads as schema %d, %v", v, err)
	}
	return s
}

// TestMigrateSchema3 moves a schema-3 file, every kind of record in it, to
// two trees: Open migrates a small one by itself, saying so, and the
// keyspace is the same, key for key, afterwards.
func TestMigrateSchema3(t *testing.T) {
	path := filepath.Join(t.TempDir(), "localca.db")
	s := newSchema3Store(t, path)
	root, inter := newTestCA(t, "Root"), newTestCA(t, "Intermediate")
	if err := s.InitCA(root.auth, inter.auth, false); err != nil {
		t.Fatal(err)
	}
	var certs []*Cert
	var keys []*testKey
	for i := range 30 {
		k := newTestKey(t)
		c := inter.issue(t, k, testNow.AddDate(0, 3, i), "h"+string(rune('a'+i%26))+".test")
		mustCommit(t, s, Record{Cert: c, Key: k.key()})
		certs, keys = append(certs, c), append(keys, k)
	}
	csrKey := newTestKey(t)
	csr := newTestCSR(t, csrKey, "csr.test")
	mustCommit(t, s, Record{CSR: csr})
	if _, err := s.RevokeCert(certs[3].Serial, testNow.Add(time.Hour), 1); err != nil {
		t.Fatal(err)
	}
	err := errors.Join(
		s.PutToken(&Token{Hash: bytes.Repeat([]byte{7}, 32), Name: "t", Created: testNow, Expires: testNow.AddDate(0, 0, 1)}),
		s.ACMEUpdate(func(tx *ACMETx) error { return tx.Put("acct/1", []byte(`{"status":"valid"}`)) }),
		s.UpdateSetting("crl-interval", "setting", func(string, bool) (string, string, error) { return "1h", "", nil }),
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyDNS([]string{"a.test. 60 IN A 127.0.0.1"}, nil); err != nil {
		t.Fatal(err)
	}
	before, err := Digest(context.Background(), s.Backend())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	if _, err := Open(path, nil); !errors.Is(err, ErrMigrationNeeded) || !strings.Contains(err.Error(), "schema 3") ||
		!strings.Contains(err.Error(), "localca store migrate") {
		t.Fatalf("Open of schema 3 without Migrate: %v, want ErrMigrationNeeded naming the schema and the command", err)
	}
	var notices []string
	s, err = Open(path, &Options{Migrate: MigrateSmall, Notice: func(m string) { notices = append(notices, m) },
		Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatalf("Open with MigrateSmall: %v", err)
	}
	defer s.Close()
	backups, _ := filepath.Glob(path + ".schema3-*.bak")
	if len(notices) != 1 || !strings.Contains(notices[0], "from schema 3 to 4") || len(backups) != 1 || !strings.Contains(notices[0], backups[0]) {
		t.Fatalf("notices %q, backups %q: want one notice of the migration naming the one backup", notices, backups)
	}
	after, err := Digest(context.Background(), s.Backend())
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("the keyspace after migrating is %+v, was %+v", after, before)
	}
	var names []string
	s.Backend().(*BoltBackend).db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, _ *bolt.Bucket) error { names = append(names, string(name)); return nil })
	})
	if want := []string{"mark", "meta", "ordered", "random"}; !slices.Equal(names, want) {
		t.Errorf("buckets after migrating: %q, want %q", names, want)
	}
	st, err := s.Status()
	if err != nil || st.Schema != SchemaVersion {
		t.Errorf("Status after migrating: schema %d, %v; want %d", st.Schema, err, SchemaVersion)
	}
	// Reads of each tree, and of both, through the typed API.
	if got, err := s.ListCerts(Filter{KeyFingerprint: keys[5].fp()}); err != nil || len(got) != 1 || !bytes.Equal(got[0].Serial, certs[5].Serial) {
		t.Errorf("ListCerts by key: %d, %v", len(got), err)
	}
	if k, err := s.Key(keys[7].fp()); err != nil || k.Status != KeyActive {
		t.Errorf("Key: %+v, %v", k, err)
	}
	if c, err := s.CSR(csr.ID); err != nil || c.Subject != csr.Subject {
		t.Errorf("CSR: %+v, %v", c, err)
	}
	var crl []string
	if err := s.RevokedCerts(inter.auth.ID, testNow.Add(2*time.Hour), func(c *Cert) error { crl = append(crl, c.SerialHex()); return nil }); err != nil ||
		!slices.Equal(crl, []string{certs[3].SerialHex()}) {
		t.Errorf("RevokedCerts = %q, %v", crl, err)
	}
	// Writable, it takes new certificates after the migrated ones.
	fresh := inter.issue(t, newTestKey(t), testNow.AddDate(0, 1, 0), "fresh.test")
	mustCommit(t, s, Record{Cert: fresh})
	all, err := s.ListCerts(Filter{})
	if err != nil || len(all) != 31 || all[30].SerialHex() != fresh.SerialHex() {
		t.Errorf("ListCerts after a new commit: %d, %v; want 31, the new one last", len(all), err)
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

// TestOlderLocalcaRefusesSchema4: schema 3's Open took a file with a "kv"
// bucket for its keyspace, and a file without one but with a meta bucket
// for schema 1 or 2, whose "schema" value it checked as checkLegacySchema
// still does. A schema-4 file has no "kv" bucket, so that localca refuses
// it, quoting a value that names who reads it, instead of reading half of
// the keyspace.
func TestOlderLocalcaRefusesSchema4(t *testing.T) {
	path := filepath.Join(t.TempDir(), "localca.db")
	openTestAt(t, path).Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("kv")) != nil {
			t.Error(`a schema-4 file has a "kv" bucket: schema 3 would read it as its own`)
		}
		if tx.Bucket(legacyMeta) == nil {
			t.Fatal("a schema-4 file has no meta bucket: schema 3 would call it another program's file")
		}
		err := checkLegacySchema(tx, path)
		if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), `"4 (`) || !strings.Contains(err.Error(), "read by localca from") {
			t.Errorf("schema 3's check of a schema-4 file: %v, want ErrSchema quoting schema 4 and who reads it", err)
		}
		return nil
	})
}
