package store

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Record is what one step of the CA writes together: a key it made or saw, a
// CSR, a certificate, in any combination. Commit stores all of it in one
// transaction, or none of it.
type Record struct {
	Key  *Key
	CSR  *CSR
	Cert *Cert
}

// Commit writes r in one transaction, after the checks that must hold at the
// moment of the write:
//   - a key already marked compromised is refused (ErrKeyRevoked), whether r
//     brings the key itself, a CSR for it or a certificate for it;
//   - a CSR that was rejected is refused (ErrCSRRejected), whether r brings
//     the CSR or a certificate whose CSRID names it;
//   - a certificate's serial must be new (ErrSerialExists).
//
// A certificate's CSR, when stored, becomes "signed" in the same transaction.
// A certificate is stored valid, or revoked (and then listed for the CRL) when
// its Status says so.
// When Commit returns nil the data is on disk (fsync'd unless NoSync).
//
// Concurrent calls share transactions and fsyncs (group commit, see
// group.go): a record that fails its checks fails alone, and the others in
// its group are stored.
func (s *Store) Commit(r Record) error {
	return s.group.commit(s, r)
}

// CommitAll is Commit for many records at once: it stores them in as few
// transactions as it can, in order, and returns one error per record (nil
// for each stored one). As with Commit, a record that fails its checks fails
// alone; a later record sees the earlier ones (two records with one serial:
// the second gets ErrSerialExists). It is for imports and for building large
// stores; the CA commits through Commit.
func (s *Store) CommitAll(rs []Record) []error {
	errs := make([]error, len(rs))
	for start := 0; start < len(rs); start += maxGroup {
		end := min(start+maxGroup, len(rs))
		s.commitGroup(rs[start:end], errs[start:end])
	}
	return errs
}

// commit checks r and, when it passes, writes it: Commit of one record
// within the caller's transaction.
func (s *Store) commit(tx *bolt.Tx, r Record) error {
	if err := s.check(tx, r); err != nil {
		return err
	}
	return s.write(tx, r)
}

// check runs every test that can refuse r, and writes nothing. bbolt has no
// savepoints, so a group transaction checks each record before it writes any
// of it: a refused record then leaves nothing behind, and the group goes on.
func (s *Store) check(tx *bolt.Tx, r Record) error {
	keys := tx.Bucket(bucketKeys)
	for _, fp := range fingerprints(r) {
		var k Key
		found, err := getRecord(keys, fp, &k)
		if err != nil {
			return err
		}
		if found && k.Status == KeyCompromised {
			return fmt.Errorf("%w: %x", ErrKeyRevoked, fp)
		}
	}
	csrs := tx.Bucket(bucketCSRs)
	var csrID []byte
	if r.CSR != nil {
		csrID = r.CSR.ID
	} else if r.Cert != nil {
		csrID = r.Cert.CSRID
	}
	if len(csrID) > 0 {
		var c CSR
		found, err := getRecord(csrs, csrID, &c)
		if err != nil {
			return err
		}
		if found && c.Status == CSRRejected {
			return fmt.Errorf("%w: %x", ErrCSRRejected, csrID)
		}
	}
	if c := r.Cert; c != nil {
		if len(c.Serial) == 0 || len(c.DER) == 0 {
			return fmt.Errorf("store: certificate record without serial or DER")
		}
		switch c.Status {
		case "", CertValid, CertRevoked:
		default:
			return fmt.Errorf("store: certificate %x: cannot store status %q", c.Serial, c.Status)
		}
		if tx.Bucket(bucketSerials).Get(c.Serial) != nil {
			return fmt.Errorf("%w: %x", ErrSerialExists, c.Serial)
		}
	}
	return nil
}

// write stores r, which check passed. Its own refusals repeat check's, so
// that it stays safe alone; after check they never fire.
func (s *Store) write(tx *bolt.Tx, r Record) error {
	if r.Key != nil {
		if err := s.putKey(tx, r.Key); err != nil {
			return err
		}
	}
	if r.CSR != nil {
		if err := s.putCSR(tx, r.CSR, r.Cert != nil); err != nil {
			return err
		}
	} else if r.Cert != nil && len(r.Cert.CSRID) > 0 {
		if err := s.signStoredCSR(tx, r.Cert.CSRID); err != nil {
			return err
		}
	}
	if r.Cert != nil {
		return s.putCert(tx, r.Cert)
	}
	return nil
}

// fingerprints lists the keys a record carries, each once: the key, the
// CSR's and the certificate's are usually one key, looked up once.
func fingerprints(r Record) [][]byte {
	var fps [][]byte
	add := func(fp []byte) {
		if len(fp) > 0 && !slices.ContainsFunc(fps, func(x []byte) bool { return bytes.Equal(x, fp) }) {
			fps = append(fps, fp)
		}
	}
	if r.Key != nil {
		add(r.Key.Fingerprint)
	}
	if r.CSR != nil {
		add(r.CSR.KeyFingerprint)
	}
	if r.Cert != nil {
		add(r.Cert.KeyFingerprint)
	}
	return fps
}

// putKey stores a key the first time it is seen; a later sighting only adds
// the private key PEM if the store did not hold it yet.
func (s *Store) putKey(tx *bolt.Tx, k *Key) error {
	b := tx.Bucket(bucketKeys)
	var old Key
	found, err := getRecord(b, k.Fingerprint, &old)
	if err != nil {
		return err
	}
	if found {
		if len(old.PEM) > 0 || len(k.PEM) == 0 {
			return nil
		}
		old.PEM = k.PEM
		return putRecord(b, k.Fingerprint, &old)
	}
	if k.Status == "" {
		k.Status = KeyActive
	}
	if k.Created.IsZero() {
		k.Created = s.now().UTC()
	}
	if err := putRecord(b, k.Fingerprint, k); err != nil {
		return err
	}
	return s.addEvent(tx, "key.recorded", hexs(k.Fingerprint), k.Algorithm)
}

func (s *Store) putCSR(tx *bolt.Tx, c *CSR, signing bool) error {
	b := tx.Bucket(bucketCSRs)
	var old CSR
	found, err := getRecord(b, c.ID, &old)
	if err != nil {
		return err
	}
	if found {
		if old.Status == CSRRejected {
			return fmt.Errorf("%w: %x", ErrCSRRejected, c.ID)
		}
		*c = old
	} else {
		c.Status = CSRPending
		if c.Created.IsZero() {
			c.Created = s.now().UTC()
		}
		if err := s.addEvent(tx, "csr.recorded", hexs(c.ID), c.Subject); err != nil {
			return err
		}
	}
	if signing {
		c.Status = CSRSigned
	}
	return putRecord(b, c.ID, c)
}

// signStoredCSR marks the stored CSR a certificate names as signed, and
// refuses a rejected one: a certificate whose record brings only the CSR's id
// must meet the same check as one that brings the whole CSR. A CSR the store
// never saw is no error (the CA may sign without keeping the request).
func (s *Store) signStoredCSR(tx *bolt.Tx, id []byte) error {
	b := tx.Bucket(bucketCSRs)
	var c CSR
	found, err := getRecord(b, id, &c)
	if err != nil || !found {
		return err
	}
	switch c.Status {
	case CSRRejected:
		return fmt.Errorf("%w: %x", ErrCSRRejected, id)
	case CSRSigned:
		return nil
	}
	c.Status = CSRSigned
	return putRecord(b, id, &c)
}

func (s *Store) putCert(tx *bolt.Tx, c *Cert) error {
	if len(c.Serial) == 0 || len(c.DER) == 0 {
		return fmt.Errorf("store: certificate record without serial or DER")
	}
	switch c.Status {
	case "", CertValid, CertRevoked:
	default:
		return fmt.Errorf("store: certificate %x: cannot store status %q", c.Serial, c.Status)
	}
	serials := tx.Bucket(bucketSerials)
	// The CA's serials ascend (they start with the issue time), so the
	// index mostly appends: fill its pages.
	serials.FillPercent = 0.95
	if serials.Get(c.Serial) != nil {
		return fmt.Errorf("%w: %x", ErrSerialExists, c.Serial)
	}
	certs := tx.Bucket(bucketCerts)
	// Time-ordered keys append to the B+tree's last page; a full page then
	// costs nothing to split.
	certs.FillPercent = 1.0
	seq, err := certs.NextSequence()
	if err != nil {
		return err
	}
	c.seq = seq
	if c.Status == "" {
		c.Status = CertValid
	}
	if c.Status == CertValid {
		c.Reason, c.RevokedAt = NoReason, time.Time{}
	} else if c.RevokedAt.IsZero() {
		c.RevokedAt = s.now().UTC()
	}
	k := u64(seq)
	if err := certs.Put(k, encodeCert(c, tx.Bucket(bucketAuthorities))); err != nil {
		return err
	}
	if c.Status == CertRevoked {
		// A certificate stored already revoked must be on the CRL too.
		if err := tx.Bucket(bucketRevoked).Put(k, nil); err != nil {
			return err
		}
	}
	if err := serials.Put(c.Serial, k); err != nil {
		return err
	}
	if len(c.KeyFingerprint) > 0 {
		byKey := tx.Bucket(bucketByKey)
		byKey.FillPercent = 0.9 // denser pages for an index that is only read
		if err := byKey.Put(concat(keyIndexPrefix(c.KeyFingerprint), k), nil); err != nil {
			return err
		}
	}
	byName := tx.Bucket(bucketByName)
	byName.FillPercent = 0.9
	for _, n := range c.Names {
		if err := byName.Put(nameKey(n, seq), nil); err != nil {
			return err
		}
	}
	exp := tx.Bucket(bucketByExpiry)
	exp.FillPercent = 0.9
	if err := exp.Put(concat(u64(uint64(c.NotAfter.Unix())), k), nil); err != nil {
		return err
	}
	// The event names the serial; the names are in the certificate.
	return s.addEvent(tx, "cert.issued", c.SerialHex(), c.Profile)
}

func nameKey(name string, seq uint64) []byte {
	return concat([]byte(strings.ToLower(name)), []byte{0}, u64(seq))
}

func concat(parts ...[]byte) []byte {
	return bytes.Join(parts, nil)
}

// keyIndexPrefix is what the certs_by_key index keeps of a fingerprint: its
// first 8 bytes. 64 bits tell keys apart in any store (a chance collision
// costs one extra record read), and the index is a third of the size it
// would be with whole SHA-256 fingerprints. Readers of the index compare the
// record's full fingerprint.
func keyIndexPrefix(fp []byte) []byte {
	if len(fp) > 8 {
		return fp[:8]
	}
	return fp
}
