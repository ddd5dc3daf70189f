package store

import (
	"bytes"
	"fmt"
	"slices"
	"time"
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
// When Commit returns nil the data is on disk (synced unless NoSync: in the
// bbolt file, or in the log beside it, which the next open applies).
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
// within the caller's transaction. The checks read the keys whose absence
// they need (a compromised key's, a rejected CSR's, the serial's, a revoked
// issuer's), which makes them conditions of the commit on every engine.
func (s *Store) commit(tx WriteTx, r Record) error {
	seen, err := s.check(tx, r)
	if err != nil {
		return err
	}
	return s.write(tx, r, seen)
}

// checked is what check read that write needs again. Nothing is written
// between the two, so one read serves both: a read is a search of the
// overlay and of the file's B-tree, and a decode, for each record.
type checked struct {
	key *Key // the stored record of r.Key's fingerprint, nil when none
	csr *CSR // the stored record of the CSR r brings or names, nil when none
	// idFree says that no certificate has the id r.Cert's serial gives
	// (serialID): certID may take it without looking again.
	idFree bool
}

// check runs every test that can refuse r, and writes nothing.
func (s *Store) check(tx WriteTx, r Record) (checked, error) {
	var seen checked
	for _, fp := range fingerprints(r) {
		compromised := func(k *Key) bool { return k.Status == KeyCompromised }
		rec, err := refuseIf(tx, keyKey(fp), compromised, ErrKeyRevoked, fp)
		if err != nil {
			return seen, err
		}
		if r.Key != nil && bytes.Equal(fp, r.Key.Fingerprint) {
			seen.key = rec
		}
	}
	var csrID []byte
	if r.CSR != nil {
		csrID = r.CSR.ID
	} else if r.Cert != nil {
		csrID = r.Cert.CSRID
	}
	if len(csrID) > 0 {
		rejected := func(c *CSR) bool { return c.Status == CSRRejected }
		rec, err := refuseIf(tx, csrKey(csrID), rejected, ErrCSRRejected, csrID)
		if err != nil {
			return seen, err
		}
		seen.csr = rec
	}
	if c := r.Cert; c != nil {
		if len(c.Serial) == 0 || len(c.DER) == 0 {
			return seen, fmt.Errorf("store: certificate record without serial or DER")
		}
		switch c.Status {
		case "", CertValid, CertRevoked:
		default:
			return seen, fmt.Errorf("store: certificate %x: cannot store status %q", c.Serial, c.Status)
		}
		_, v, idFree, err := lookSerial(tx, s.issuersIn(tx), c.Serial)
		if err != nil {
			return seen, err
		}
		if v != nil {
			return seen, fmt.Errorf("%w: %x", ErrSerialExists, c.Serial)
		}
		seen.idFree = idFree
		if c.IssuerID != "" {
			if v, err := tx.Get(authorityRevokedKey(c.IssuerID)); err != nil || v != nil {
				if err != nil {
					return seen, err
				}
				return seen, fmt.Errorf("%w: %.16s…", ErrIssuerRevoked, c.IssuerID)
			}
		}
	}
	return seen, nil
}

// refuseIf reads the record at key and refuses the commit with sentinel
// (naming id) when it exists and refused says so of it. It returns the
// record it read, nil when there is none.
func refuseIf[T any](tx ReadTx, key []byte, refused func(*T) bool, sentinel error, id []byte) (*T, error) {
	rec := new(T)
	found, err := getRecord(tx, key, rec)
	if err != nil || !found {
		return nil, err
	}
	if refused(rec) {
		return nil, fmt.Errorf("%w: %x", sentinel, id)
	}
	return rec, nil
}

// write stores r, which check passed, having read what seen holds. One
// event says what happened: a certificate's issue (its record, see Events),
// else a new key's or CSR's recording.
func (s *Store) write(tx WriteTx, r Record, seen checked) error {
	var event func() error
	if r.Key != nil {
		isNew, err := s.putKey(tx, r.Key, seen.key)
		if err != nil {
			return err
		}
		if isNew {
			event = func() error { return s.addEvent(tx, "key.recorded", hexs(r.Key.Fingerprint), r.Key.Algorithm) }
		}
	}
	if r.CSR != nil {
		isNew, err := s.putCSR(tx, r.CSR, seen.csr, r.Cert != nil)
		if err != nil {
			return err
		}
		if isNew {
			event = func() error { return s.addEvent(tx, "csr.recorded", hexs(r.CSR.ID), r.CSR.Subject) }
		}
	} else if r.Cert != nil && len(r.Cert.CSRID) > 0 {
		if err := s.signStoredCSR(tx, r.Cert.CSRID, seen.csr); err != nil {
			return err
		}
	}
	if r.Cert != nil {
		// The certificate's own record is its issuance's event (Events
		// reads cert/ beside event/): an issuance writes no second record.
		return s.putCert(tx, r.Cert, seen.idFree)
	}
	if event == nil {
		return nil
	}
	return event()
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

// putKey stores a key the first time it is seen (and reports so); a later
// sighting only adds the private key PEM if the store did not hold it yet.
// old is the stored record (check read it), nil when there is none.
func (s *Store) putKey(tx WriteTx, k, old *Key) (bool, error) {
	key := keyKey(k.Fingerprint)
	if old != nil {
		if len(old.PEM) > 0 || len(k.PEM) == 0 {
			return false, nil
		}
		old.PEM = k.PEM
		return false, putRecord(tx, key, old)
	}
	if k.Status == "" {
		k.Status = KeyActive
	}
	if k.Created.IsZero() {
		k.Created = s.now().UTC()
	}
	return true, putRecord(tx, key, k)
}

// putCSR stores c, or marks signed the stored record old (check read it
// and refused a rejected one) when there is one.
func (s *Store) putCSR(tx WriteTx, c, old *CSR, signing bool) (bool, error) {
	key := csrKey(c.ID)
	found := old != nil
	if found {
		*c = *old
	} else {
		c.Status = CSRPending
		if c.Created.IsZero() {
			c.Created = s.now().UTC()
		}
	}
	if signing {
		c.Status = CSRSigned
	}
	return !found, putRecord(tx, key, c)
}

// signStoredCSR marks signed the stored CSR c that a certificate names by
// id. check read c and refused a rejected one: a certificate whose record
// brings only the CSR's id meets the same check as one that brings the whole
// CSR. A CSR the store never saw (c nil) is no error: the CA may sign without
// keeping the request.
func (s *Store) signStoredCSR(tx WriteTx, id []byte, c *CSR) error {
	if c == nil || c.Status == CSRSigned {
		return nil
	}
	c.Status = CSRSigned
	return putRecord(tx, csrKey(id), c)
}

// putCert stores c under a new time-ordered id, with its index entries:
// names, expiry, key, revoked when it is stored revoked, and serial when
// the id is not the one the serial gives. check has refused a record
// without serial or DER and a status it cannot store.
func (s *Store) putCert(tx WriteTx, c *Cert, idFree bool) error {
	id, err := s.certID(tx, c.Serial, idFree)
	if err != nil {
		return err
	}
	c.id = id
	if c.Status == "" {
		c.Status = CertValid
	}
	if c.Status == CertValid {
		c.Reason, c.RevokedAt = NoReason, time.Time{}
	} else if c.RevokedAt.IsZero() {
		c.RevokedAt = s.now().UTC()
	}
	return writeCert(tx, s.issuersIn(tx), c)
}

// certID picks a new certificate's id: the one its serial gives
// (serialID) when that time is within serialIDSlack of the store's clock
// and no certificate has it yet, else one of idGen. The first keeps
// certificates in issue order and makes the serial/ entry needless; a
// serial whose head is not its issue time (another CA's scheme) would land
// anywhere in cert/ and show its issue at a wrong time (Events).
//
// free says that check found no certificate at the serial's id.
func (s *Store) certID(tx WriteTx, serial []byte, free bool) (uint64, error) {
	now := s.now()
	if id, ok := serialID(serial); ok {
		if at := time.Unix(0, int64(id)); at.After(now.Add(-serialIDSlack)) && at.Before(now.Add(serialIDSlack)) {
			var v []byte
			if !free {
				var err error
				if v, err = tx.Get(certKey(id)); err != nil {
					return 0, err
				}
			}
			if v == nil {
				// Events written after this certificate sort after it.
				s.ids.observe(id)
				return id, nil
			}
		}
	}
	return s.ids.allocate(tx, pCert, now)
}

// serialIDSlack is how far from the store's clock a serial's time may be
// for certID to take its id: a CA and its store share one clock, and a
// certificate is stored within moments of its signing.
const serialIDSlack = time.Hour

// writeCert puts c, whose id is set, and its index entries.
func writeCert(tx WriteTx, iss issuerResolver, c *Cert) error {
	id := c.id
	if err := tx.Put(certKey(id), encodeCert(c, iss)); err != nil {
		return err
	}
	if c.Status == CertRevoked {
		// A certificate stored already revoked must be on the CRL too.
		if err := tx.Put(revokedKey(id), nil); err != nil {
			return err
		}
	}
	if sid, ok := serialID(c.Serial); !ok || sid != id {
		if err := tx.Put(serialKey(c.Serial), u64(id)); err != nil {
			return err
		}
	}
	if len(c.KeyFingerprint) > 0 {
		if err := tx.Put(keyCertKey(c.KeyFingerprint, id), nil); err != nil {
			return err
		}
	}
	for _, n := range c.Names {
		if err := tx.Put(nameKey(n, id), nil); err != nil {
			return err
		}
	}
	return tx.Put(expiryKey(c.NotAfter.Unix(), id), nil)
}
