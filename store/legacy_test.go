package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Schema 2, as the localca before the one keyspace wrote it: a bucket per
// kind, certificates under a bbolt sequence, five index buckets, three
// events per issue. legacyStore writes such a file the way that code did
// (its buckets, keys and record encodings), so that Migrate is tested on
// what users' files hold. No key material is committed: the fixture is made
// at run time.

var legacyBuckets = []string{"authorities", "meta", "keys", "csrs", "certs", "serials",
	"certs_by_key", "certs_by_name", "certs_by_expiry", "revoked", "tokens", "dns", "events", "acme"}

// legacyStore is an open schema-2 file being written.
type legacyStore struct {
	t     testing.TB
	db    *bolt.DB
	ca    *testCA // the intermediate the certificates name
	root  *testCA
	now   time.Time
	certs int
	// revokeAll stores bulk's certificates revoked (a CRL's worst case).
	revokeAll bool
}

func newLegacyStore(t testing.TB, path string) *legacyStore {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{NoSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		t.Fatal(err)
	}
	l := &legacyStore{t: t, db: db, root: newTestCA(t, "Old Root"), ca: newTestCA(t, "Old Intermediate"), now: testNow}
	l.ca.auth.Role, l.ca.auth.ParentID = "intermediate", l.root.auth.ID
	l.update(func(tx *bolt.Tx) error {
		for _, b := range legacyBuckets {
			if _, err := tx.CreateBucket([]byte(b)); err != nil {
				return err
			}
		}
		meta := tx.Bucket([]byte("meta"))
		meta.Put([]byte("schema"), []byte("2"))
		meta.Put([]byte("root"), []byte(l.root.auth.ID))
		meta.Put([]byte("intermediate"), []byte(l.ca.auth.ID))
		meta.Put([]byte("setting/dns-tsig"), []byte("hmac-sha256:secret"))
		for _, a := range []*Authority{l.root.auth, l.ca.auth} {
			raw, _ := json.Marshal(a)
			tx.Bucket([]byte("authorities")).Put([]byte(a.ID), raw)
		}
		tx.Bucket([]byte("dns")).Put([]byte("web.localca.test. 60 IN A 127.0.0.1"), []byte{})
		tx.Bucket([]byte("acme")).Put([]byte("acct/1"), []byte(`{"status":"valid"}`))
		tok, _ := json.Marshal(&Token{Hash: bytes.Repeat([]byte{7}, 32), Name: "ci", Created: testNow, Expires: testNow.Add(time.Hour)})
		tx.Bucket([]byte("tokens")).Put(bytes.Repeat([]byte{7}, 32), tok)
		return l.event(tx, "ca.init", l.ca.auth.ID, "root "+l.root.auth.ID)
	})
	t.Cleanup(func() { db.Close() })
	return l
}

func (l *legacyStore) update(fn func(*bolt.Tx) error) {
	l.t.Helper()
	if err := l.db.Update(fn); err != nil {
		l.t.Fatal(err)
	}
}

// event appends to the events bucket as addEvent did.
func (l *legacyStore) event(tx *bolt.Tx, kind, ref, detail string) error {
	b := tx.Bucket([]byte("events"))
	b.FillPercent = 1.0
	seq, _ := b.NextSequence()
	l.now = l.now.Add(time.Millisecond) // events happen one after another
	return b.Put(u64(seq), encodeEvent(l.now.UnixNano(), kind, ref, detail))
}

// putKey and putCSR store a key and a CSR record as schema 2 did (binary;
// asJSON as schema 1 did).
func (l *legacyStore) putKey(tx *bolt.Tx, k *Key, asJSON bool) error {
	v := k.marshalRecord()
	if asJSON {
		v, _ = json.Marshal(k)
	}
	if err := tx.Bucket([]byte("keys")).Put(k.Fingerprint, v); err != nil {
		return err
	}
	return l.event(tx, "key.recorded", hexs(k.Fingerprint), k.Algorithm)
}

func (l *legacyStore) putCSR(tx *bolt.Tx, c *CSR) error {
	if err := tx.Bucket([]byte("csrs")).Put(c.ID, c.marshalRecord()); err != nil {
		return err
	}
	return l.event(tx, "csr.recorded", hexs(c.ID), c.Subject)
}

// putCert is schema 2's putCert: the record under a sequence, then the
// serial, key, name and expiry indexes, the revoked index, an event.
func (l *legacyStore) putCert(tx *bolt.Tx, c *Cert) error {
	certs := tx.Bucket([]byte("certs"))
	certs.FillPercent = 1.0
	seq, _ := certs.NextSequence()
	k := u64(seq)
	if c.Status == "" {
		c.Status = CertValid
	}
	if c.Status == CertValid {
		c.Reason = NoReason
	}
	if err := certs.Put(k, encodeCert(c, legacyIssuers{b: tx.Bucket([]byte("authorities"))})); err != nil {
		return err
	}
	if c.Status == CertRevoked {
		tx.Bucket([]byte("revoked")).Put(k, nil)
	}
	serials := tx.Bucket([]byte("serials"))
	serials.FillPercent = 0.95
	if serials.Get(c.Serial) != nil {
		return fmt.Errorf("serial %x twice", c.Serial)
	}
	serials.Put(c.Serial, k)
	if len(c.KeyFingerprint) > 0 {
		tx.Bucket([]byte("certs_by_key")).Put(cat(c.KeyFingerprint[:8], k), nil)
	}
	for _, n := range c.Names {
		tx.Bucket([]byte("certs_by_name")).Put(cat(bytes.ToLower([]byte(n)), []byte{0}, k), nil)
	}
	tx.Bucket([]byte("certs_by_expiry")).Put(cat(u64(uint64(c.NotAfter.Unix())), k), nil)
	l.certs++
	return l.event(tx, "cert.issued", c.SerialHex(), c.Profile)
}

// bulk adds n certificates in large transactions: the CA's serial shape
// (milliseconds, then random bits) written into a template's DER, a key
// record per 100, one name each, expiries over a year; every 1000th revoked
// (every one with l.revokeAll).
func (l *legacyStore) bulk(n int) {
	l.t.Helper()
	tmpl := l.ca.issue(l.t, newTestKey(l.t), testNow.AddDate(1, 0, 0), "bulk.test")
	for len(tmpl.Serial) != 16 || tmpl.Serial[0] >= 0x80 {
		tmpl = l.ca.issue(l.t, newTestKey(l.t), testNow.AddDate(1, 0, 0), "bulk.test")
	}
	at := bytes.Index(tmpl.DER, tmpl.Serial)
	const chunk = 2_000
	var fp []byte
	for i := 0; i < n; i += chunk {
		l.update(func(tx *bolt.Tx) error {
			for j := i; j < min(i+chunk, n); j++ {
				if j%100 == 0 {
					fp = bytes.Repeat([]byte{byte(j >> 16), byte(j >> 8), byte(j)}, 11)[:32]
					if err := l.putKey(tx, &Key{Fingerprint: fp, Algorithm: "ecdsa", Size: 256, Status: KeyActive, Created: testNow}, false); err != nil {
						return err
					}
				}
				c := *tmpl
				c.Serial = make([]byte, 16)
				binary.BigEndian.PutUint64(c.Serial, uint64(testNow.UnixMilli()+int64(j))<<16)
				binary.BigEndian.PutUint64(c.Serial[8:], uint64(j)*0x9e3779b97f4a7c15)
				c.DER = bytes.Clone(tmpl.DER)
				copy(c.DER[at:], c.Serial)
				c.KeyFingerprint = fp
				c.Names = []string{fmt.Sprintf("h%d.bulk.test", j)}
				c.NotAfter = testNow.Add(time.Duration(j%365) * 24 * time.Hour)
				if j%1000 == 999 || l.revokeAll {
					c.Status, c.RevokedAt, c.Reason = CertRevoked, testNow, 1
				}
				if err := l.putCert(tx, &c); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

// commit is schema 2's Commit of one record in tx: its checks (the key's,
// the CSR's and the serial's records read), then the key and CSR records
// with their events, the certificate with its indexes and event.
func (l *legacyStore) commit(tx *bolt.Tx, r Record) error {
	keys := tx.Bucket([]byte("keys"))
	for _, fp := range fingerprints(r) {
		var k Key
		if found, err := getLegacyRecord(keys, fp, &k); err != nil || (found && k.Status == KeyCompromised) {
			return fmt.Errorf("key %x refused: %v", fp, err)
		}
	}
	if r.CSR != nil {
		var c CSR
		if found, err := getLegacyRecord(tx.Bucket([]byte("csrs")), r.CSR.ID, &c); err != nil || (found && c.Status == CSRRejected) {
			return fmt.Errorf("CSR refused: %v", err)
		}
	}
	if r.Cert != nil && tx.Bucket([]byte("serials")).Get(r.Cert.Serial) != nil {
		return fmt.Errorf("serial %x twice", r.Cert.Serial)
	}
	if r.Key != nil && keys.Get(r.Key.Fingerprint) == nil {
		k := *r.Key
		k.Status, k.Created = KeyActive, l.now
		if err := l.putKey(tx, &k, false); err != nil {
			return err
		}
	}
	if r.CSR != nil {
		c := *r.CSR
		c.Status, c.Created = CSRSigned, l.now
		if err := l.putCSR(tx, &c); err != nil {
			return err
		}
	}
	if r.Cert != nil {
		return l.putCert(tx, r.Cert)
	}
	return nil
}
