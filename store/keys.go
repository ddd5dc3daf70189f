package store

import (
	"bytes"
	"fmt"
	"time"
)

// RFC 5280 CRLReason keyCompromise, the reason every certificate of a
// compromised key is revoked with.
const reasonKeyCompromise = 1

// Key returns the key with the given SPKI fingerprint.
func (s *Store) Key(fp []byte) (*Key, error) {
	return readRecord[Key](s, keyKey(fp), "key", fp)
}

// RevokeKey marks a key compromised and revokes, in the same transaction,
// every certificate that carries it and is not revoked yet (expired ones
// too: an OCSP answer for them must say revoked), with reason keyCompromise;
// certificates revoked before keep their time and reason. A key the store has
// not seen is recorded as compromised (k should then give its algorithm and
// size), so that it can never be certified later. A zero at means now. It
// returns the certificates it revoked, or ErrAlreadyRevoked for a key
// compromised before.
func (s *Store) RevokeKey(k *Key, at time.Time) ([]*Cert, error) {
	if len(k.Fingerprint) == 0 {
		return nil, fmt.Errorf("store: revoking a key without a fingerprint")
	}
	if at.IsZero() {
		at = s.now()
	}
	var revoked []*Cert
	err := s.update(func(tx WriteTx) error {
		revoked = nil
		kk := keyKey(k.Fingerprint)
		var cur Key
		found, err := getRecord(tx, kk, &cur)
		if err != nil {
			return err
		}
		if !found {
			cur = *k
			cur.PEM = nil
			cur.Created = s.now().UTC()
		} else if cur.Status == KeyCompromised {
			return fmt.Errorf("%w: key %x", ErrAlreadyRevoked, k.Fingerprint)
		}
		cur.Status, cur.RevokedAt = KeyCompromised, at.UTC()
		if err := putRecord(tx, kk, &cur); err != nil {
			return err
		}
		if err := s.addEvent(tx, "key.revoked", hexs(k.Fingerprint), ""); err != nil {
			return err
		}
		// Collect first: a range must not run beside writes.
		var ids []uint64
		if err := tx.Range(kk, nil, false, func(key, _ []byte) error {
			if len(key) == len(kk)+8 {
				ids = append(ids, idAt(key))
			}
			return nil
		}); err != nil {
			return err
		}
		iss := s.issuersIn(tx)
		for _, id := range ids {
			cert, err := certByID(tx, iss, id)
			if err != nil {
				return err
			}
			if cert.Status == CertRevoked || !bytes.Equal(cert.KeyFingerprint, k.Fingerprint) {
				continue // revoked already
			}
			if err := s.revoke(tx, iss, cert, at, reasonKeyCompromise); err != nil {
				return err
			}
			revoked = append(revoked, cert)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return revoked, nil
}

// CSR returns the CSR with the given id (SHA-256 of its DER).
func (s *Store) CSR(id []byte) (*CSR, error) {
	return readRecord[CSR](s, csrKey(id), "CSR", id)
}

// RejectCSR marks a CSR rejected so that it can never be signed. A CSR the
// store has not seen is recorded as rejected when c carries its DER; given
// only an id, an unknown CSR is ErrNotFound.
func (s *Store) RejectCSR(c *CSR) error {
	return s.update(func(tx WriteTx) error {
		var cur CSR
		found, err := getRecord(tx, csrKey(c.ID), &cur)
		if err != nil {
			return err
		}
		switch {
		case found && cur.Status == CSRRejected:
			return fmt.Errorf("%w: CSR %x", ErrAlreadyRevoked, c.ID)
		case !found && len(c.DER) == 0:
			return fmt.Errorf("%w: CSR %x", ErrNotFound, c.ID)
		case !found:
			cur = *c
			cur.Created = s.now().UTC()
		}
		cur.Status = CSRRejected
		if err := putRecord(tx, csrKey(c.ID), &cur); err != nil {
			return err
		}
		return s.addEvent(tx, "csr.rejected", hexs(c.ID), cur.Subject)
	})
}
