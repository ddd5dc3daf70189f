package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Cert returns the certificate with the given serial.
func (s *Store) Cert(serial []byte) (*Cert, error) {
	var c *Cert
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		c, err = certBySerial(tx, serial)
		return err
	})
	return c, err
}

func certBySerial(tx *bolt.Tx, serial []byte) (*Cert, error) {
	k := tx.Bucket(bucketSerials).Get(serial)
	if k == nil {
		return nil, fmt.Errorf("%w: certificate with serial %X", ErrNotFound, serial)
	}
	return certBySeq(tx, k)
}

func certBySeq(tx *bolt.Tx, k []byte) (*Cert, error) {
	v := tx.Bucket(bucketCerts).Get(k)
	if v == nil {
		return nil, fmt.Errorf("%w: certificate record %x", ErrCorrupt, k)
	}
	c, err := decodeCert(v, tx.Bucket(bucketAuthorities))
	if err != nil {
		return nil, err
	}
	c.seq = binary.BigEndian.Uint64(k)
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
	n := 0
	visit := func(tx *bolt.Tx, seq []byte) (bool, error) {
		c, err := certBySeq(tx, seq)
		if err != nil {
			return false, err
		}
		if f.Status != "" && c.StatusAt(f.Now) != f.Status {
			return true, nil
		}
		// A name is always read through its index (below); the other fields
		// are checked here, whichever index was read.
		if len(f.KeyFingerprint) > 0 && !bytes.Equal(c.KeyFingerprint, f.KeyFingerprint) {
			return true, nil
		}
		if f.ExpiringWithin > 0 && (c.StatusAt(f.Now) != CertValid || c.NotAfter.After(f.Now.Add(f.ExpiringWithin))) {
			return true, nil
		}
		if err := fn(c); err != nil {
			return false, err
		}
		n++
		return f.Limit <= 0 || n < f.Limit, nil
	}
	return s.view(func(tx *bolt.Tx) error {
		var (
			cur    *bolt.Cursor
			prefix []byte
			seqOf  func(k, v []byte) []byte
			start  []byte
			end    []byte
		)
		switch {
		case f.Name != "":
			cur, prefix = tx.Bucket(bucketByName).Cursor(), append([]byte(strings.ToLower(f.Name)), 0)
			seqOf = func(k, _ []byte) []byte { return k[len(k)-8:] }
		case len(f.KeyFingerprint) > 0:
			// visit compares the record's whole fingerprint.
			cur, prefix = tx.Bucket(bucketByKey).Cursor(), keyIndexPrefix(f.KeyFingerprint)
			seqOf = func(k, _ []byte) []byte { return k[len(k)-8:] }
		case f.ExpiringWithin > 0:
			cur = tx.Bucket(bucketByExpiry).Cursor()
			start = u64(uint64(f.Now.Unix()))
			end = u64(uint64(f.Now.Add(f.ExpiringWithin).Unix()) + 1)
			seqOf = func(k, _ []byte) []byte { return k[8:] }
		case f.Status == CertRevoked:
			cur = tx.Bucket(bucketRevoked).Cursor()
			seqOf = func(k, _ []byte) []byte { return k }
		default:
			c := tx.Bucket(bucketCerts).Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				more, err := visit(tx, k)
				if err != nil || !more {
					return err
				}
			}
			return nil
		}
		if start == nil {
			start = prefix
		}
		for k, v := cur.Seek(start); k != nil; k, v = cur.Next() {
			if prefix != nil && !bytes.HasPrefix(k, prefix) {
				break
			}
			if end != nil && bytes.Compare(k, end) >= 0 {
				break
			}
			more, err := visit(tx, seqOf(k, v))
			if err != nil || !more {
				return err
			}
		}
		return nil
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
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		c, err = certBySerial(tx, serial)
		if err != nil {
			return err
		}
		if c.Status == CertRevoked {
			return fmt.Errorf("%w: certificate %X (at %s)", ErrAlreadyRevoked, serial, c.RevokedAt.Format(time.RFC3339))
		}
		return s.revoke(tx, c, at, reason)
	})
	return c, err
}

func (s *Store) revoke(tx *bolt.Tx, c *Cert, at time.Time, reason int) error {
	if at.IsZero() {
		at = s.now()
	}
	c.Status, c.RevokedAt, c.Reason = CertRevoked, at.UTC(), reason
	k := u64(c.seq)
	if err := tx.Bucket(bucketCerts).Put(k, encodeCert(c, tx.Bucket(bucketAuthorities))); err != nil {
		return err
	}
	if err := tx.Bucket(bucketRevoked).Put(k, nil); err != nil {
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
	return s.view(func(tx *bolt.Tx) error { return forEachRevoked(tx, issuerID, now, fn) })
}

// CountCerts returns how many certificates the store holds.
func (s *Store) CountCerts() (int, error) {
	var n int
	err := s.view(func(tx *bolt.Tx) error { n = tx.Bucket(bucketCerts).Stats().KeyN; return nil })
	return n, err
}
