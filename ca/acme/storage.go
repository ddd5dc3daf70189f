package acme

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// Storage holds the ACME state. Update runs fn in one transaction: what fn
// writes, the certificate it commits and its events are stored together or
// not at all. The store's implementation is StoreStorage; MemStorage is for
// tests that need no certificate store.
type Storage interface {
	View(fn func(Tx) error) error
	Update(fn func(Tx) error) error
}

// Tx is one transaction over the ACME keys (*store.ACMETx is one).
type Tx interface {
	Get(key string) []byte
	Put(key string, value []byte) error
	Delete(key string) error
	Range(prefix string, fn func(key string, value []byte) error) error
	Event(kind, ref, detail string) error
	// CommitCert stores a certificate with the store's checks (key not
	// compromised, CSR not rejected, serial new, issuer not revoked).
	CommitCert(r store.Record) error
	Cert(serial []byte) (*store.Cert, error)
	RevokeCert(serial []byte, at time.Time, reason int) (*store.Cert, error)
}

// getJSON reads the record at key into v; ErrNotFound when absent.
func getJSON(tx Tx, key string, v any) error {
	raw := tx.Get(key)
	if raw == nil {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("acme: record %s: %w", key, err)
	}
	return nil
}

func putJSON(tx Tx, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("acme: encoding %s: %w", key, err)
	}
	return tx.Put(key, raw)
}

// StoreStorage keeps the ACME state in localca's store, opened for each
// transaction through use (ca.Server.UseStore shares one open store among
// the requests running at once).
type StoreStorage struct {
	Use func(fn func(*store.Store) error) error
	// Secrets seals the EAB keys in a store that seals its secrets (a
	// store in etcd); nil refuses to keep one there.
	Secrets *ca.Secrets
}

// Sealer is a Storage that keeps secrets (EAB HMAC keys) sealed where its
// store asks for it; name is the record the secret belongs to.
type Sealer interface {
	SealSecret(name string, plain []byte) ([]byte, error)
	OpenSecret(name string, v []byte) ([]byte, error)
}

// SealSecret seals plain with s.Secrets when the store seals its secrets.
func (s StoreStorage) SealSecret(name string, plain []byte) (out []byte, err error) {
	err = s.Use(func(st *store.Store) error {
		if err := s.Secrets.Prepare(st); err != nil {
			return err
		}
		out, err = s.Secrets.Seal(st, name, plain)
		return err
	})
	return out, err
}

// OpenSecret opens what SealSecret sealed (a value in clear as it is).
func (s StoreStorage) OpenSecret(name string, v []byte) (out []byte, err error) {
	if !ca.Sealed(v) {
		return v, nil
	}
	err = s.Use(func(st *store.Store) error {
		out, err = s.Secrets.Open(st, name, v)
		return err
	})
	return out, err
}

func (s StoreStorage) View(fn func(Tx) error) error {
	return s.Use(func(st *store.Store) error {
		return st.ACMEView(func(tx *store.ACMETx) error { return fn(tx) })
	})
}

func (s StoreStorage) Update(fn func(Tx) error) error {
	return s.Use(func(st *store.Store) error {
		return st.ACMEUpdate(func(tx *store.ACMETx) error { return fn(tx) })
	})
}

// OpenerStorage is StoreStorage that opens the store for each transaction
// and closes it after (commands that list or create EAB keys, so that no
// lock is held while they print).
func OpenerStorage(open ca.Opener) Storage {
	return SealedOpenerStorage(open, nil)
}

// SealedOpenerStorage is OpenerStorage whose EAB keys sec seals (the CA
// password's seal, which a store in etcd requires).
func SealedOpenerStorage(open ca.Opener, sec *ca.Secrets) Storage {
	return StoreStorage{Use: func(fn func(*store.Store) error) error {
		st, err := open()
		if err != nil {
			return err
		}
		defer st.Close()
		return fn(st)
	}, Secrets: sec}
}

// ServerStorage keeps the ACME state in the store of a running CA server,
// opened per transaction and shared with its other requests.
func ServerStorage(srv *ca.Server) Storage {
	return StoreStorage{Use: func(fn func(*store.Store) error) error {
		return srv.UseStore(func(c *ca.CA) error { return fn(c.Store()) })
	}, Secrets: srv.CA().Secrets()}
}

// ServerRecords reads the DNS records of a running CA server's store, for
// the validator's own zone.
func ServerRecords(srv *ca.Server) func() ([]string, error) {
	return func() ([]string, error) {
		var recs []string
		err := srv.UseStore(func(c *ca.CA) error {
			var err error
			recs, err = c.Store().DNSRecords()
			return err
		})
		return recs, err
	}
}
