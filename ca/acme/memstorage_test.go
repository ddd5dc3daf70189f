package acme_test

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/localca/localca/ca/acme"
	"github.com/localca/localca/store"
)

// memStorage is acme.Storage in memory, for tests that need no store: one
// lock, writes buffered until fn succeeds. Certificates are kept by serial
// with the store's serial and issuer-revoked checks.
type memStorage struct {
	mu      sync.Mutex
	kv      map[string][]byte
	certs   map[string]*store.Cert
	events  []string
	revoked bool // the issuer is revoked: CommitCert refuses
}

func newMemStorage() *memStorage {
	return &memStorage{kv: map[string][]byte{}, certs: map[string]*store.Cert{}}
}

type memTx struct {
	m      *memStorage
	write  bool
	puts   map[string][]byte // nil value: deleted
	certs  map[string]*store.Cert
	events []string
}

func (m *memStorage) View(fn func(acme.Tx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return fn(&memTx{m: m})
}

func (m *memStorage) Update(fn func(acme.Tx) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	tx := &memTx{m: m, write: true, puts: map[string][]byte{}, certs: map[string]*store.Cert{}}
	if err := fn(tx); err != nil {
		return err
	}
	for k, v := range tx.puts {
		if v == nil {
			delete(m.kv, k)
		} else {
			m.kv[k] = v
		}
	}
	maps.Copy(m.certs, tx.certs)
	m.events = append(m.events, tx.events...)
	return nil
}

// snapshot is everything stored, in one string, for "unchanged" checks.
func (m *memStorage) snapshot() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m.kv)) {
		fmt.Fprintf(&b, "%s=%s\n", k, m.kv[k])
	}
	for _, k := range slices.Sorted(maps.Keys(m.certs)) {
		fmt.Fprintf(&b, "cert %s %s\n", k, m.certs[k].Status)
	}
	fmt.Fprintf(&b, "%d events\n", len(m.events))
	return b.String()
}

func (t *memTx) Get(key string) []byte {
	if v, ok := t.puts[key]; ok {
		return bytes.Clone(v)
	}
	return bytes.Clone(t.m.kv[key])
}

func (t *memTx) Put(key string, value []byte) error {
	if !t.write {
		return fmt.Errorf("memStorage: write in View")
	}
	if value == nil {
		value = []byte{}
	}
	t.puts[key] = bytes.Clone(value)
	return nil
}

func (t *memTx) Delete(key string) error {
	if !t.write {
		return fmt.Errorf("memStorage: write in View")
	}
	t.puts[key] = nil
	return nil
}

func (t *memTx) Range(prefix string, fn func(string, []byte) error) error {
	keys := map[string]bool{}
	for k := range t.m.kv {
		keys[k] = true
	}
	for k := range t.puts {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if v := t.Get(k); strings.HasPrefix(k, prefix) && v != nil {
			if err := fn(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (t *memTx) Event(kind, ref, detail string) error {
	t.events = append(t.events, kind+" "+ref+" "+detail)
	return nil
}

func (t *memTx) CommitCert(r store.Record) error {
	if t.m.revoked {
		return store.ErrIssuerRevoked
	}
	k := fmt.Sprintf("%x", r.Cert.Serial)
	if t.m.certs[k] != nil || t.certs[k] != nil {
		return store.ErrSerialExists
	}
	c := *r.Cert
	c.Status = store.CertValid
	t.certs[k] = &c
	return nil
}

func (t *memTx) Cert(serial []byte) (*store.Cert, error) {
	k := fmt.Sprintf("%x", serial)
	if c := t.certs[k]; c != nil {
		return c, nil
	}
	if c := t.m.certs[k]; c != nil {
		cc := *c
		return &cc, nil
	}
	return nil, store.ErrNotFound
}

func (t *memTx) RevokeCert(serial []byte, at time.Time, reason int) (*store.Cert, error) {
	c, err := t.Cert(serial)
	if err != nil {
		return nil, err
	}
	if c.Status == store.CertRevoked {
		return c, store.ErrAlreadyRevoked
	}
	c.Status, c.RevokedAt, c.Reason = store.CertRevoked, at, reason
	t.certs[fmt.Sprintf("%x", serial)] = c
	return c, nil
}
