package store

import (
	"fmt"
	"time"
)

// The ACME server's state (accounts, orders, authorizations, challenges,
// external account binding keys) lives under acme/: keys are the server's
// own ("acct/ID", "order/ID", ...) behind that prefix, values are its own
// encoding. The store does not interpret them; what it owns is the
// transaction, so that an order's state and the certificate it leads to
// are written together (ACMETx.CommitCert), and the event log records what
// happened in the same commit.

var pACME = []byte("acme/")

// ACMETx is one transaction over the ACME state, with the certificate
// commit and the event log beside it.
type ACMETx struct {
	s  *Store
	tx ReadTx
	w  WriteTx // nil in ACMEView
}

// ACMEUpdate runs fn in one write transaction: everything fn writes, the
// certificates it commits and the events it adds are stored together or
// not at all (fn's error rolls all of it back). On an engine that retries
// transactions (etcd) fn may run more than once.
func (s *Store) ACMEUpdate(fn func(*ACMETx) error) error {
	return s.update(func(tx WriteTx) error {
		return callback(fn)(&ACMETx{s: s, tx: tx, w: tx})
	})
}

// ACMEView runs fn against a consistent snapshot; writes fail.
func (s *Store) ACMEView(fn func(*ACMETx) error) error {
	return s.view(func(tx ReadTx) error {
		return callback(fn)(&ACMETx{s: s, tx: tx})
	})
}

func acmeKey(key string) []byte { return cat(pACME, []byte(key)) }

// Get returns a copy of the value at key, or nil when it is absent.
func (t *ACMETx) Get(key string) []byte {
	v, err := t.tx.Get(acmeKey(key))
	if err != nil {
		return nil
	}
	return clone(v)
}

// Put stores value at key.
func (t *ACMETx) Put(key string, value []byte) error {
	if t.w == nil {
		return errReadOnlyTx
	}
	return t.w.Put(acmeKey(key), value)
}

// Delete removes key; an absent key is no error.
func (t *ACMETx) Delete(key string) error {
	if t.w == nil {
		return errReadOnlyTx
	}
	return t.w.Delete(acmeKey(key))
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
	err := t.tx.Range(acmeKey(prefix), nil, false, func(k, v []byte) error {
		all = append(all, kv{string(k[len(pACME):]), clone(v)})
		return nil
	})
	if err != nil {
		return err
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
	if t.w == nil {
		return errReadOnlyTx
	}
	return t.s.addEvent(t.w, kind, ref, detail)
}

// CommitCert stores a certificate record in this transaction, after the
// checks Commit makes (compromised key, rejected CSR, new serial, issuer
// not revoked: an intermediate revoked while an order was being finalised
// cannot slip a certificate in).
func (t *ACMETx) CommitCert(r Record) error {
	if t.w == nil {
		return errReadOnlyTx
	}
	return t.s.commit(t.w, r)
}

// Cert returns the stored certificate with serial, or ErrNotFound.
func (t *ACMETx) Cert(serial []byte) (*Cert, error) {
	return certBySerial(t.tx, t.s.issuersIn(t.tx), serial)
}

// RevokeCert revokes the certificate with serial in this transaction, as
// Store.RevokeCert does (ErrNotFound, ErrAlreadyRevoked change nothing).
func (t *ACMETx) RevokeCert(serial []byte, at time.Time, reason int) (*Cert, error) {
	if t.w == nil {
		return nil, errReadOnlyTx
	}
	iss := t.s.issuersIn(t.tx)
	c, err := certBySerial(t.tx, iss, serial)
	if err != nil {
		return nil, err
	}
	if c.Status == CertRevoked {
		return c, fmt.Errorf("%w: certificate %X (at %s)", ErrAlreadyRevoked, serial, c.RevokedAt.Format(time.RFC3339))
	}
	return c, t.s.revoke(t.w, iss, c, at, reason)
}
