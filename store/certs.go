package store

import (
	"bytes"
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
	v, err := tx.Get(serialKey(serial))
	if err != nil {
		return nil, err
	}
	if len(v) != 8 {
		return nil, fmt.Errorf("%w: certificate with serial %X", ErrNotFound, serial)
	}
	return certByID(tx, iss, idAt(v))
}

func certByID(tx ReadTx, iss *issuers, id uint64) (*Cert, error) {
	v, err := tx.Get(certKey(id))
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
	switch f.Status {
	case "", CertValid, CertRevoked, CertExpired:
	default:
		return fmt.Errorf("store: unknown certificate status %q (want %s, %s or %s)",
			f.Status, CertValid, CertRevoked, CertExpired)
	}
	fn = callback(fn)
	if f.Now.IsZero() {
		f.Now = s.now()
	}
	return s.view(func(tx ReadTx) error {
		iss := s.issuersIn(tx)
		n := 0
		visit := func(id uint64) error {
			c, err := certByID(tx, iss, id)
			if err != nil {
				return err
			}
			if f.Status != "" && c.StatusAt(f.Now) != f.Status {
				return nil
			}
			// A name is always read through its index (below); the other
			// fields are checked here, whichever index was read.
			if len(f.KeyFingerprint) > 0 && !bytes.Equal(c.KeyFingerprint, f.KeyFingerprint) {
				return nil
			}
			if f.ExpiringWithin > 0 && (c.StatusAt(f.Now) != CertValid || c.NotAfter.After(f.Now.Add(f.ExpiringWithin))) {
				return nil
			}
			if err := fn(c); err != nil {
				return err
			}
			if n++; f.Limit > 0 && n >= f.Limit {
				return ErrStopRange
			}
			return nil
		}
		switch {
		case f.Name != "":
			return tx.Range(namePrefix(f.Name), nil, false, func(k, _ []byte) error { return visit(idAt(k)) })
		case len(f.KeyFingerprint) > 0:
			p := keyKey(f.KeyFingerprint)
			return tx.Range(p, nil, false, func(k, _ []byte) error {
				if len(k) != len(p)+8 {
					return nil // the key's own record
				}
				return visit(idAt(k))
			})
		case f.ExpiringWithin > 0:
			start := expiryKey(f.Now.Unix(), 0)
			end := expiryKey(f.Now.Add(f.ExpiringWithin).Unix()+1, 0)
			return tx.Range(pExpiry, start, false, func(k, _ []byte) error {
				if bytes.Compare(k, end) >= 0 {
					return ErrStopRange
				}
				return visit(idAt(k))
			})
		case f.Status == CertRevoked:
			return tx.Range(pRevoked, nil, false, func(k, _ []byte) error { return visit(idAt(k)) })
		default:
			return tx.Range(pCert, nil, false, func(k, v []byte) error { return visit(idAt(k)) })
		}
	})
}

// ListCerts returns what ForEachCert would visit.
func (s *Store) ListCerts(f Filter) ([]*Cert, error) {
	var out []*Cert
	err := s.ForEachCert(f, func(c *Cert) error { out = append(out, c); return nil })
	return out, err
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
	fn = callback(fn)
	return s.view(func(tx ReadTx) error { return forEachRevoked(tx, s.issuersIn(tx), issuerID, now, fn) })
}

// CountCerts returns how many certificates the store holds.
func (s *Store) CountCerts() (int, error) {
	var n int
	err := s.view(func(tx ReadTx) error {
		return tx.Range(pCert, nil, false, func(_, _ []byte) error { n++; return nil })
	})
	return n, err
}
