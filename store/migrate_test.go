package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestMigrate moves a small schema-2 store, written as that localca wrote
// it, and reads every kind of record back through the typed API.
func TestMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "localca.db")
	l := newLegacyStore(t, path)
	jsonKey, binKey := newTestKey(t), newTestKey(t)
	csr := newTestCSR(t, binKey, "signed.test")
	csr.Status, csr.Created = CSRSigned, testNow
	withCSR := l.ca.issue(t, binKey, testNow.AddDate(0, 3, 0), "signed.test", "Alt.Test")
	withCSR.CSRID = csr.ID
	revoked := l.ca.issue(t, jsonKey, testNow.AddDate(0, 3, 0), "gone.test")
	revoked.Status, revoked.RevokedAt, revoked.Reason = CertRevoked, testNow.Add(time.Minute), 4
	l.update(func(tx *bolt.Tx) error {
		k := jsonKey.key()
		k.Status, k.Created = KeyActive, testNow
		if err := l.putKey(tx, k, true); err != nil {
			return err
		}
		k = binKey.key()
		k.Status, k.Created, k.PEM = KeyActive, testNow, placeholderKeyPEM(2)
		if err := l.putKey(tx, k, false); err != nil {
			return err
		}
		if err := l.putCSR(tx, csr); err != nil {
			return err
		}
		if err := l.putCert(tx, withCSR); err != nil {
			return err
		}
		return l.putCert(tx, revoked)
	})
	l.bulk(50)
	var oldEvents int
	l.db.View(func(tx *bolt.Tx) error { oldEvents = tx.Bucket([]byte("events")).Stats().KeyN; return nil })
	l.db.Close()
	original, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	// Refused unless asked, naming the command.
	if _, err := Open(path, nil); !errors.Is(err, ErrMigrationNeeded) || !strings.Contains(err.Error(), "localca store migrate") {
		t.Fatalf("Open of schema 2 without Migrate: %v, want ErrMigrationNeeded naming the command", err)
	}
	var notices []string
	s, err := Open(path, &Options{Migrate: MigrateSmall, ReadOnly: true, Notice: func(m string) { notices = append(notices, m) },
		Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatalf("Open with MigrateSmall: %v", err)
	}
	defer s.Close()
	if len(notices) != 1 || !strings.Contains(notices[0], "migrated") {
		t.Fatalf("notices %q, want one saying it migrated", notices)
	}
	backups, _ := filepath.Glob(path + ".schema2-*.bak")
	if len(backups) != 1 || !strings.Contains(notices[0], backups[0]) {
		t.Fatalf("backups %q; the notice %q must name the one backup", backups, notices[0])
	}
	if kept, _ := os.ReadFile(backups[0]); !bytes.Equal(kept, original) {
		t.Errorf("the backup is not the schema-2 file as it was")
	}

	root, inter, err := s.CA()
	if err != nil || root.ID != l.root.auth.ID || inter.ID != l.ca.auth.ID {
		t.Fatalf("CA() = %v, %v, %v", root, inter, err)
	}
	for _, want := range []*Cert{withCSR, revoked} {
		got, err := s.Cert(want.Serial)
		if err != nil {
			t.Fatalf("Cert(%x): %v", want.Serial, err)
		}
		if d := diffCert(got, want); d != "" {
			t.Errorf("Cert(%x): %s", want.Serial, d)
		}
	}
	checks := []struct {
		f    Filter
		want []string
	}{
		{Filter{Name: "alt.test"}, []string{withCSR.SerialHex()}},
		{Filter{KeyFingerprint: jsonKey.fp()}, []string{revoked.SerialHex()}},
		{Filter{Status: CertRevoked}, []string{revoked.SerialHex()}},
	}
	for _, c := range checks {
		got, err := s.ListCerts(c.f)
		if err != nil || !slices.Equal(serialsOf(got), c.want) {
			t.Errorf("ListCerts(%+v) = %q, %v; want %q", c.f, serialsOf(got), err, c.want)
		}
	}
	all, _ := s.ListCerts(Filter{})
	if len(all) != 52 || all[0].SerialHex() != withCSR.SerialHex() {
		t.Errorf("ListCerts() = %d certificates starting %q: want 52 in the old order", len(all), serialsOf(all[:1]))
	}
	if k, err := s.Key(binKey.fp()); err != nil || len(k.PEM) == 0 {
		t.Errorf("Key (binary record) = %+v, %v", k, err)
	}
	if k, err := s.Key(jsonKey.fp()); err != nil || k.Algorithm != "ecdsa" {
		t.Errorf("Key (JSON record) = %+v, %v", k, err)
	}
	if c, err := s.CSR(csr.ID); err != nil || c.Status != CSRSigned {
		t.Errorf("CSR = %+v, %v", c, err)
	}
	if v, err := s.Setting("dns-tsig"); err != nil || v != "hmac-sha256:secret" {
		t.Errorf("Setting = %q, %v", v, err)
	}
	var acct []byte
	if err := s.ACMEView(func(tx *ACMETx) error { acct = tx.Get("acct/1"); return nil }); err != nil || string(acct) != `{"status":"valid"}` {
		t.Errorf("ACME account after migrating = %q, %v", acct, err)
	}
	if rr, err := s.DNSRecords(); err != nil || len(rr) != 1 {
		t.Errorf("DNSRecords = %q, %v", rr, err)
	}
	var crl []string
	if err := s.RevokedCerts(inter.ID, testNow, func(c *Cert) error { crl = append(crl, c.SerialHex()); return nil }); err != nil ||
		!slices.Equal(crl, []string{revoked.SerialHex()}) {
		t.Errorf("RevokedCerts = %q, %v", crl, err)
	}
	evs, err := s.Events(0)
	if err != nil || len(evs) != oldEvents || evs[0].Kind != "ca.init" {
		t.Errorf("Events: %d (first %+v), %v; want the %d old ones in order", len(evs), evs[:min(1, len(evs))], err, oldEvents)
	}
	s.Close()

	// Writable again, it takes new certificates after the migrated ones.
	s, err = Open(path, &Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseToken(bytes.Repeat([]byte{7}, 32), testNow); err != nil {
		t.Errorf("UseToken of a migrated token: %v", err)
	}
	fresh := l.ca.issue(t, nil, testNow.AddDate(0, 1, 0), "fresh.test")
	mustCommit(t, s, Record{Cert: fresh})
	if err := s.Commit(Record{Cert: withCSR}); !errors.Is(err, ErrSerialExists) {
		t.Errorf("a migrated serial again: %v, want ErrSerialExists", err)
	}
	all, _ = s.ListCerts(Filter{})
	if len(all) != 53 || all[52].SerialHex() != fresh.SerialHex() {
		t.Errorf("a certificate issued after migrating is not listed last")
	}
	if err := s.Check(); err != nil {
		t.Error(err)
	}
}

// TestOlderLocalcaRefusesSchema3: schema 2's Open read the "schema" key of
// its meta bucket with strconv.Atoi and refused anything it could not
// parse, quoting the value. A schema-3 file keeps there a value that names
// who reads it.
func TestOlderLocalcaRefusesSchema3(t *testing.T) {
	path := filepath.Join(t.TempDir(), "localca.db")
	s := openTestAt(t, path)
	s.Close()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte("meta"))
		if meta == nil {
			t.Fatal("a schema-3 file has no meta bucket: schema 2 would call it another program's file")
		}
		raw := meta.Get([]byte("schema"))
		if v, err := strconv.Atoi(string(raw)); err == nil {
			t.Errorf("schema-2 code would parse %q as %d", raw, v)
		}
		if !strings.Contains(string(raw), "read by localca from") {
			t.Errorf("the value schema 2 quotes, %q, does not name the version that reads it", raw)
		}
		return nil
	})
}

func openTestAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMigrateLarge: 100,000 certificates. Open refuses to migrate them by
// itself, naming the command; Migrate reports progress and keeps every
// certificate reachable through every index.
func TestMigrateLarge(t *testing.T) {
	const n = 100_000
	path := filepath.Join(t.TempDir(), "localca.db")
	l := newLegacyStore(t, path)
	start := time.Now()
	l.bulk(n)
	l.db.Close()
	t.Logf("wrote %d schema-2 certificates in %s", n, time.Since(start).Round(time.Millisecond))
	for _, m := range []MigrateMode{MigrateNever, MigrateSmall} {
		if _, err := Open(path, &Options{Migrate: m}); !errors.Is(err, ErrMigrationNeeded) ||
			!strings.Contains(err.Error(), "localca store migrate") || !strings.Contains(err.Error(), strconv.Itoa(n)) {
			t.Fatalf("Open (mode %d) of %d certificates: %v, want a refusal naming the count and the command", m, n, err)
		}
	}
	var calls [][2]int
	start = time.Now()
	rep, err := Migrate(path, &MigrateOptions{Progress: func(done, total int) { calls = append(calls, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", rep)
	if rep.Certs != n || len(calls) < 2 || calls[len(calls)-1] != [2]int{n, n} {
		t.Errorf("report %+v, progress %v: want %d certificates in several steps", rep, calls, n)
	}
	s, err := Open(path, &Options{ReadOnly: true, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t.Logf("migrated in %s", time.Since(start).Round(time.Millisecond))
	if got, err := s.CountCerts(); got != n || err != nil {
		t.Errorf("CountCerts = %d, %v", got, err)
	}
	for _, i := range []int{0, 54_321, n - 1} {
		got, err := s.ListCerts(Filter{Name: "h" + strconv.Itoa(i) + ".bulk.test"})
		if err != nil || len(got) != 1 || got[0].Names[0] != "h"+strconv.Itoa(i)+".bulk.test" {
			t.Errorf("ListCerts by name %d: %d, %v", i, len(got), err)
			continue
		}
		if again, err := s.Cert(got[0].Serial); err != nil || diffCert(again, got[0]) != "" {
			t.Errorf("Cert by the serial of %d: %v", i, err)
		}
		if byKey, _ := s.ListCerts(Filter{KeyFingerprint: got[0].KeyFingerprint}); len(byKey) != 100 {
			t.Errorf("ListCerts by the key of %d: %d, want 100", i, len(byKey))
		}
	}
	var crl int
	if err := s.RevokedCerts(l.ca.auth.ID, testNow, func(*Cert) error { crl++; return nil }); err != nil || crl != n/1000 {
		t.Errorf("RevokedCerts: %d, %v; want %d", crl, err, n/1000)
	}
	exp, err := s.ListCerts(Filter{ExpiringWithin: 24 * time.Hour})
	if err != nil || len(exp) == 0 {
		t.Errorf("ListCerts expiring: %d, %v", len(exp), err)
	}
}

// TestMigratePacks: from schema 2, Migrate leaves both trees' pages full
// (repack), as a copy in key order would: certificates and their index
// entries come in together, five ranges at once, which bbolt's splits
// leave part-empty.
func TestMigratePacks(t *testing.T) {
	const n = 20_000
	path := filepath.Join(t.TempDir(), "localca.db")
	l := newLegacyStore(t, path)
	l.bulk(n)
	l.db.Close()
	if _, err := Migrate(path, nil); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{boltBucket, boltRandomBucket} {
			st := tx.Bucket(name).Stats()
			page := float64(db.Info().PageSize)
			leaf := float64(st.LeafInuse) / (page * float64(st.LeafPageN))
			branch := float64(st.BranchInuse) / (page * float64(max(st.BranchPageN, 1)))
			t.Logf("%s: %d leaf pages at %.2f, %d branch pages at %.2f, depth %d", name, st.LeafPageN, leaf, st.BranchPageN, branch, st.Depth)
			if leaf < 0.9 || (st.BranchPageN > 1 && branch < 0.5) {
				t.Errorf("%s tree: leaf pages %.2f full, branch pages %.2f: want them packed", name, leaf, branch)
			}
		}
		return nil
	})
}
