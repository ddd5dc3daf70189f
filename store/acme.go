package store

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The ACME server's state (accounts, orders, authorizations, challenges,
// external account binding keys) lives in the acme bucket: keys are the
// server's own ("acct/ID", "order/ID", ...), values are its own encoding.
// The store does not interpret them; what it owns is the transaction, so
// that an order's state and the certificate it leads to are written
// together (ACMETx.CommitCert), and the event log records what happened in
// the same commit. The next store layout (one keyspace) puts these keys
// under its acme/ prefix unchanged.

// ErrIssuerRevoked means a certificate was to be stored for an issuer that
// is revoked: checked in the transaction that would store it.
var ErrIssuerRevoked = errors.New("store: the issuing authority is revoked")

// errReadOnlyTx is a write attempted inside ACMEView.
var errReadOnlyTx = errors.New("store: write in a read-only ACME transaction")

// ACMETx is one transaction over the ACME state, with the certificate
// commit and the event log beside it.
type ACMETx struct {
	s  *Store
	tx *bolt.Tx
}

// ACMEUpdate runs fn in one write transaction: everything fn writes, the
// certificates it commits and the events it adds are stored together or
// not at all (fn's error rolls all of it back).
func (s *Store) ACMEUpdate(fn func(*ACMETx) error) error {
	return s.update(func(tx *bolt.Tx) error {
		return callback(fn)(&ACMETx{s: s, tx: tx})
	})
}

// ACMEView runs fn against a consistent snapshot; writes fail.
func (s *Store) ACMEView(fn func(*ACMETx) error) error {
	return s.view(func(tx *bolt.Tx) error {
		return callback(fn)(&ACMETx{s: s, tx: tx})
	})
}

func (t *ACMETx) bucket() *bolt.Bucket { return t.tx.Bucket(bucketACME) }

// Get returns a copy of the value at key, or nil when it is absent.
func (t *ACMETx) Get(key string) []byte {
	b := t.bucket()
	if b == nil { // a store of an older localca, opened read-only
		return nil
	}
	return clone(b.Get([]byte(key)))
}

// Put stores value at key.
func (t *ACMETx) Put(key string, value []byte) error {
	if !t.tx.Writable() {
		return errReadOnlyTx
	}
	if value == nil {
		value = []byte{}
	}
	return t.bucket().Put([]byte(key), value)
}

// Delete removes key; an absent key is no error.
func (t *ACMETx) Delete(key string) error {
	if !t.tx.Writable() {
		return errReadOnlyTx
	}
	return t.bucket().Delete([]byte(key))
}

// Range calls fn for every key with prefix, in order; fn's values are
// valid only during the call. Deleting inside fn is allowed: the keys are
// collected first.
func (t *ACMETx) Range(prefix string, fn func(key string, value []byte) error) error {
	type kv struct {
		k string
		v []byte
	}
	var all []kv
	b := t.bucket()
	if b == nil {
		return nil
	}
	c := b.Cursor()
	p := []byte(prefix)
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		all = append(all, kv{string(k), clone(v)})
	}
	for _, e := range all {
		if err := fn(e.k, e.v); err != nil {
			return err
		}
	}
	return nil
}

// Event appends to the event log in this transaction.
func (t *ACMETx) Event(kind, ref, detail string) error {
	if !t.tx.Writable() {
		return errReadOnlyTx
	}
	return t.s.addEvent(t.tx, kind, ref, detail)
}

// CommitCert stores a certificate record in this transaction, after the
// checks Commit makes (compromised key, rejected CSR, new serial) and one
// more: its issuer must not be revoked, so an intermediate revoked while an
// order was being finalised cannot slip a certificate in.
func (t *ACMETx) CommitCert(r Record) error {
	if !t.tx.Writable() {
		return errReadOnlyTx
	}
	if r.Cert != nil && r.Cert.IssuerID != "" {
		a, err := authority(t.tx, r.Cert.IssuerID)
		if err != nil {
			return err
		}
		if !a.RevokedAt.IsZero() {
			return fmt.Errorf("%w (%.16s…, revoked %s)", ErrIssuerRevoked, a.ID, a.RevokedAt.Format(time.RFC3339))
		}
	}
	return t.s.commit(t.tx, r)
}

// Cert returns the stored certificate with serial, or ErrNotFound.
func (t *ACMETx) Cert(serial []byte) (*Cert, error) {
	return certBySerial(t.tx, serial)
}

// RevokeCert revokes the certificate with serial in this transaction, as
// Store.RevokeCert does (ErrNotFound, ErrAlreadyRevoked change nothing).
func (t *ACMETx) RevokeCert(serial []byte, at time.Time, reason int) (*Cert, error) {
	if !t.tx.Writable() {
		return nil, errReadOnlyTx
	}
	c, err := certBySerial(t.tx, serial)
	if err != nil {
		return nil, err
	}
	if c.Status == CertRevoked {
		return c, fmt.Errorf("%w: certificate %X (at %s)", ErrAlreadyRevoked, serial, c.RevokedAt.Format(time.RFC3339))
	}
	return c, t.s.revoke(t.tx, c, at, reason)
}
