package store

import (
	"fmt"
	"time"
)

// Cert returns the certificate with the given serial.
func (s *Store) Cert(serial []byte) (*Cert, error) {
	var c *Cert
	err := s.view(func(tx ReadTx) error {
		var err error
		c, err = certBySerial(tx, s.issuersIn(tx), serial)
		return err
	})
	return c, err
}

func certBySerial(tx ReadTx, iss *issuers, serial []byte) (*Cert, error) {
	id, v, err := findSerial(tx, iss, serial)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("%w: certificate with serial %X", ErrNotFound, serial)
	}
	c, err := decodeCert(v, iss)
	if err != nil {
		return nil, err
	}
	c.id = id
	return c, nil
}

// findSerial finds the certificate with serial and returns its id and
// record (nil when there is none): at the id the serial gives (serialID)
// when that record has this serial, else through its serial/ entry
// (layout.go).
func findSerial(tx ReadTx, iss issuerResolver, serial []byte) (uint64, []byte, error) {
	id, v, _, err := lookSerial(tx, iss, serial)
	return id, v, err
}

// lookSerial is findSerial that also says whether the id the serial gives
// holds no certificate at all (idFree), which a commit's certID needs.
func lookSerial(tx ReadTx, iss issuerResolver, serial []byte) (_ uint64, _ []byte, idFree bool, _ error) {
	if id, ok := serialID(serial); ok {
		v, err := tx.Get(certKey(id))
		if err != nil {
			return 0, nil, false, err
		}
		idFree = v == nil
		if v != nil {
			same, err := recordHasSerial(v, iss, serial)
			if err != nil {
				return 0, nil, false, err
			}
			if same {
				return id, v, false, nil
			}
		}
	}
	v, err := tx.Get(serialKey(serial))
	if err != nil || len(v) != 8 {
		return 0, nil, idFree, err
	}
	id := idAt(v)
	if v, err = tx.Get(certKey(id)); err != nil {
		return 0, nil, false, err
	}
	if v == nil {
		return 0, nil, false, fmt.Errorf("%w: an index names certificate %d, which is missing", ErrCorrupt, id)
	}
	return id, v, false, nil
}

func certByID(tx ReadTx, iss *issuers, id uint64) (*Cert, error) {
	return certAt(tx, iss, certKey(id), id)
}

// certAt reads the certificate of id, whose key (certKey) the caller made.
func certAt(tx ReadTx, iss *issuers, key []byte, id uint64) (*Cert, error) {
	v, err := tx.Get(key)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("%w: an index names certificate %d, which is missing", ErrCorrupt, id)
	}
	c, err := decodeCert(v, iss)
	if err != nil {
		return nil, err
	}
	c.id = id
	return c, nil
}

// Filter selects certificates for ListCerts and ForEachCert. Zero fields
// select everything.
type Filter struct {
	Status string // valid, revoked or expired (as of Now)
	Name   string // an exact DNS name, IP, email or URI, case-insensitive
	// ExpiringWithin selects valid certificates whose NotAfter is within
	// this duration of Now.
	ExpiringWithin time.Duration
	KeyFingerprint []byte
	Now            time.Time // zero means the store's clock (Options.Now)
	Limit          int       // at most this many; 0 means no limit
}

// ForEachCert calls fn for every certificate the filter selects, in issue
// order (in order of expiry when ExpiringWithin is set and neither Name nor
// KeyFingerprint is). It reads through an index when the filter names one
// (name, key, expiry, revoked), so its cost follows the answer, not the
// store's size. The fields combine: every one that is set must hold. An
// unknown Status is an error rather than an empty answer.
//
// fn runs inside a read transaction: it must not call the store's writing
// methods (Commit, RevokeCert, ...), which may wait for that transaction to
// end and so never return (bbolt remaps its file only when no read is open).
// Collect with ListCerts first, then write.
func (s *Store) ForEachCert(f Filter, fn func(*Cert) error) error {
	w := s.walk(fn)
	defer s.done(w)
	return s.listCerts(w, f)
}

// ListCerts returns what ForEachCert would visit.
func (s *Store) ListCerts(f Filter) ([]*Cert, error) {
	w := s.walk(nil)
	defer s.done(w)
	w.fn = w.collect
	err := s.listCerts(w, f)
	return w.out, err
}

// listCerts is ForEachCert's read, through w.
func (s *Store) listCerts(w *walk, f Filter) error {
	switch f.Status {
	case "", CertValid, CertRevoked, CertExpired:
	default:
		return fmt.Errorf("store: unknown certificate status %q (want %s, %s or %s)",
			f.Status, CertValid, CertRevoked, CertExpired)
	}
	if f.Now.IsZero() && (f.Status != "" || f.ExpiringWithin > 0) {
		f.Now = s.now() // only these read the clock
	}
	w.f = f
	return s.view(w.list)
}

// RevokeCert marks a certificate revoked at time at with an RFC 5280 reason
// code (NoReason for none); a zero at means now. It fails with ErrNotFound
// for a serial the store never issued and ErrAlreadyRevoked for a second
// revocation, changing nothing; with ErrAlreadyRevoked it also returns the
// stored record, so the caller can say when and why it was revoked.
func (s *Store) RevokeCert(serial []byte, at time.Time, reason int) (*Cert, error) {
	var c *Cert
	err := s.update(func(tx WriteTx) error {
		var err error
		iss := s.issuersIn(tx)
		c, err = certBySerial(tx, iss, serial)
		if err != nil {
			return err
		}
		if c.Status == CertRevoked {
			return fmt.Errorf("%w: certificate %X (at %s)", ErrAlreadyRevoked, serial, c.RevokedAt.Format(time.RFC3339))
		}
		return s.revoke(tx, iss, c, at, reason)
	})
	return c, err
}

func (s *Store) revoke(tx WriteTx, iss *issuers, c *Cert, at time.Time, reason int) error {
	if at.IsZero() {
		at = s.now()
	}
	c.Status, c.RevokedAt, c.Reason = CertRevoked, at.UTC(), reason
	if err := tx.Put(certKey(c.id), encodeCert(c, iss)); err != nil {
		return err
	}
	if err := tx.Put(revokedKey(c.id), nil); err != nil {
		return err
	}
	return s.addEvent(tx, "cert.revoked", c.SerialHex(), fmt.Sprintf("reason %d", reason))
}

// RevokedCerts calls fn for every certificate of the given issuer that is
// revoked and not yet expired at now: exactly what its CRL must list. It reads
// only the revoked index, so a CRL costs what was ever revoked, not what was
// ever issued. fn must not write to the store (see ForEachCert).
func (s *Store) RevokedCerts(issuerID string, now time.Time, fn func(*Cert) error) error {
	w := s.walk(fn)
	defer s.done(w)
	return s.view(func(tx ReadTx) error { return w.revoked(tx, issuerID, now) })
}

// CountCerts returns how many certificates the store holds.
func (s *Store) CountCerts() (int, error) {
	var n int
	err := s.view(func(tx ReadTx) error {
		return tx.Range(pCert, nil, false, func(_, _ []byte) error { n++; return nil })
	})
	return n, err
}
