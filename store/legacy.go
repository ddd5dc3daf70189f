package store

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// Schema 1 and 2 kept a bbolt bucket per kind; Migrate reads them.
//
//	authorities      id → Authority (JSON)
//	meta             "schema", "root", "intermediate", "setting/NAME" → value
//	keys             fingerprint → Key (JSON, or binary in schema 2)
//	csrs             id → CSR (JSON, or binary)
//	certs            sequence (8 bytes) → Cert (codec.go)
//	tokens           hash → Token (JSON)
//	dns              record → ""
//	events           sequence → Event
//	acme             the ACME server's keys → its values
//	serials, certs_by_key, certs_by_name, certs_by_expiry, revoked: indexes,
//	rebuilt from the certificates.
var (
	legacyMeta        = []byte("meta")
	legacyAuthorities = []byte("authorities")
	legacyKeys        = []byte("keys")
	legacyCSRs        = []byte("csrs")
	legacyCerts       = []byte("certs")
	legacyTokens      = []byte("tokens")
	legacyDNS         = []byte("dns")
	legacyEvents      = []byte("events")
	legacyACME        = []byte("acme")
)

// legacySchemaMark is what a file of schema 3 or later keeps in the
// bucket where schema 1 and 2 looked for their version. An older localca
// cannot parse it and refuses the file, quoting it: "... has schema "4
// (...)", this localca understands up to 2". A localca of schema 3 finds
// no "kv" bucket in a file of schema 4, takes it for schema 1 or 2 and
// refuses it the same way: "... has schema "4 (...)" in its old layout,
// this localca migrates 1 and 2".
const legacySchemaMark = "4 (one keyspace in two trees; read by localca from 2026-12-01 16:00 UTC on, which migrates older files by itself or with `localca store migrate`)"

// markSchema writes legacySchemaMark into a new file.
func markSchema(tx *bolt.Tx) error {
	m, err := tx.CreateBucketIfNotExists(legacyMeta)
	if err != nil {
		return err
	}
	return m.Put([]byte("schema"), []byte(legacySchemaMark))
}

// checkLegacySchema accepts schema 1 and 2 only.
func checkLegacySchema(tx *bolt.Tx, path string) error {
	raw := tx.Bucket(legacyMeta).Get([]byte("schema"))
	if v, err := strconv.Atoi(string(raw)); err != nil || v < 1 || v > 2 {
		return fmt.Errorf("%w: %s has schema %q in its old layout, this localca migrates 1 and 2", ErrSchema, path, raw)
	}
	return nil
}

// getLegacyRecord decodes the value at key into v: JSON, or the compact
// binary form of a binaryRecord; it reports false when the key is absent.
func getLegacyRecord(b *bolt.Bucket, key []byte, v any) (bool, error) {
	if b == nil {
		return false, nil
	}
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	return true, decodeRecord(key, raw, v)
}

// decodeRecord decodes raw, the value at key: the compact binary form of a
// binaryRecord, or JSON (what schema 1 wrote, and what authorities and
// tokens still are).
func decodeRecord(key, raw []byte, v any) error {
	var err error
	if r, ok := v.(binaryRecord); ok && len(raw) > 0 && raw[0] != '{' {
		err = r.unmarshalRecord(key, raw)
	} else {
		err = json.Unmarshal(raw, v)
	}
	if err != nil {
		return fmt.Errorf("%w: %q: %v", ErrCorrupt, key, err)
	}
	return nil
}

// legacyIssuers resolves issuer prefixes from a schema-2 authorities
// bucket. Made by newLegacyIssuers, it also gives their dictionaries, so
// that a migration codes the certificates it writes; its zero dicts gives
// none, so that records are written as schema 2 kept them.
type legacyIssuers struct {
	b     *bolt.Bucket
	dicts map[string]*derDict
}

func newLegacyIssuers(b *bolt.Bucket) legacyIssuers {
	return legacyIssuers{b: b, dicts: make(map[string]*derDict)}
}

func (r legacyIssuers) dict(id string) (*derDict, error) {
	if d, ok := r.dicts[id]; ok || r.b == nil || r.dicts == nil {
		return d, nil
	}
	var d *derDict
	if v := r.b.Get([]byte(id)); v != nil {
		var a Authority
		if err := decodeRecord([]byte(id), v, &a); err != nil {
			return nil, err
		}
		d = authorityDict(&a)
	}
	r.dicts[id] = d
	return d, nil
}

func (r legacyIssuers) resolve(prefix []byte) (string, bool) {
	if r.b == nil || len(prefix) != issuerPrefixLen {
		return "", false
	}
	want := []byte(hex.EncodeToString(prefix))
	cur := r.b.Cursor()
	k, _ := cur.Seek(want)
	if k == nil || !bytes.HasPrefix(k, want) {
		return "", false
	}
	id := string(k)
	if next, _ := cur.Next(); next != nil && bytes.HasPrefix(next, want) {
		return "", false
	}
	return id, true
}
