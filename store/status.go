package store

import (
	"bytes"
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Status is what `localca store status` shows.
type Status struct {
	BackendStatus
	Schema int `json:"schema"`
	// Keyspace is the schema of the keys and records themselves
	// (meta/schema): for etcd the same as Schema; a bbolt file's Schema is
	// its layout of trees, which holds a keyspace of 3 to keyspaceSchema.
	Keyspace int `json:"keyspace"`
	// Records counts the keys of each kind (layout.go): cert, serial,
	// name, expiry, key (keys and their certificate entries), revoked,
	// csr, dns, setting, token, event, authority, meta.
	Records map[string]int `json:"records"`
	// Keys and Bytes are every key and every key and value byte.
	Keys  int   `json:"keys"`
	Bytes int64 `json:"bytes"`
}

// Status reads the engine's status and counts the records by kind, in one
// pass over the keyspace (a second or so for a million certificates).
func (s *Store) Status() (*Status, error) {
	ctx := context.Background()
	bs, err := s.b.Status(ctx)
	if err != nil {
		return nil, err
	}
	st := &Status{BackendStatus: bs, Records: make(map[string]int)}
	err = s.view(func(tx ReadTx) error {
		raw, err := tx.Get(kSchema)
		if err != nil {
			return err
		}
		st.Keyspace, _ = parseKeyspaceSchema(raw)
		st.Schema = st.Keyspace
		if bb, ok := s.b.(*BoltBackend); ok {
			// A bbolt file's layout of trees is its schema (bolt.go).
			if st.Schema, err = bb.schema(); err != nil {
				return err
			}
		}
		return tx.Range(nil, nil, false, func(k, v []byte) error {
			st.Keys++
			st.Bytes += int64(len(k) + len(v))
			name := "other"
			for _, kind := range kinds {
				if bytes.HasPrefix(k, kind.prefix) {
					name = kind.name
					break
				}
			}
			st.Records[name]++
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// StatusOf reads the status of the store file at path without migrating
// or writing it (a shared lock, timeout as in Options): `localca store
// status`. A schema-1 or -2 file is described by its buckets' key counts,
// under the bucket names.
func StatusOf(path string, timeout time.Duration) (*Status, error) {
	b, err := openBolt(path, &BoltOptions{ReadOnly: true, Timeout: timeout})
	if err != nil {
		return nil, err
	}
	in, err := b.inspect()
	if err != nil || in.layout != layoutLegacy {
		if err != nil {
			b.Close()
			return nil, err
		}
		s, err := newStore(b, Options{ReadOnly: true}, &in.schema)
		if err != nil {
			b.Close()
			return nil, err
		}
		defer s.Close()
		return s.Status()
	}
	defer b.Close()
	bs, err := b.Status(context.Background())
	if err != nil {
		return nil, err
	}
	st := &Status{BackendStatus: bs, Records: make(map[string]int)}
	err = b.db.View(func(tx *bolt.Tx) error {
		fmt.Sscan(string(tx.Bucket(legacyMeta).Get([]byte("schema"))), &st.Schema)
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			n := bk.Stats().KeyN
			st.Records[string(name)] = n
			st.Keys += n
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}
