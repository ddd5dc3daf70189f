package ca

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/localca/localca/store"
)

// The secrets of a whole store: counting those kept in clear (a store
// copied into etcd must have none) and sealing them in place (`localca
// store seal`), so that a CA started in a file can move into etcd.

// secretField is the JSON field of a record kind that holds the secret,
// and whether it is []byte (base64 in JSON) rather than a string.
var secretField = map[string]struct {
	field string
	bytes bool
}{
	store.SecretDNSKey: {"secret", false},
	store.SecretACME:   {"hmac", true},
}

// visitSecret calls fn with the secret of one record (kind, name and
// value as store.RewriteSecrets gives them) and returns the record with
// the secret fn returned in its place (nil: unchanged). Records of a
// kind without a secret (an ACME record other than an EAB key has none
// of the field) are left alone.
func visitSecret(kind, name string, v []byte, fn func(sealName string, secret []byte) ([]byte, error)) ([]byte, error) {
	f, ok := secretField[kind]
	if !ok { // the value is the secret
		if kind == store.SecretSetting {
			name = "setting/" + name
		} else {
			name = kind + "/" + name
		}
		return fn(name, v)
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(v, &rec); err != nil {
		return nil, fmt.Errorf("%w: %s %q: %v", store.ErrCorrupt, kind, name, err)
	}
	raw, ok := rec[f.field]
	if !ok {
		return nil, nil
	}
	var secret []byte
	var s string
	var err error
	if f.bytes {
		err = json.Unmarshal(raw, &secret)
	} else if err = json.Unmarshal(raw, &s); err == nil {
		secret = []byte(s)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s %q: %v", store.ErrCorrupt, kind, name, err)
	}
	sealName := kind + "/" + name
	if kind == store.SecretACME {
		sealName = name // eab/KID, as acme seals it
	}
	nv, err := fn(sealName, secret)
	if err != nil || nv == nil {
		return nil, err
	}
	if f.bytes {
		rec[f.field], err = json.Marshal(nv)
	} else {
		rec[f.field], err = json.Marshal(string(nv))
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(rec)
}

// ClearSecrets counts the secrets st keeps in clear: leaf keys that Issue
// kept, DNS keys and the zone's TSIG key, ACME EAB keys.
func ClearSecrets(st *store.Store) (int, error) {
	n := 0
	_, err := st.RewriteSecrets(func(kind, name string, v []byte) ([]byte, error) {
		return visitSecret(kind, name, v, func(_ string, secret []byte) ([]byte, error) {
			if len(secret) > 0 && !Sealed(secret) {
				n++
			}
			return nil, nil
		})
	})
	return n, err
}

// SealStore is the package's SealStore on the home's store, opened for
// writing only while it runs.
func (h Home) SealStore(password []byte) (int, error) {
	st, err := h.OpenStore(false)
	if err != nil {
		return 0, err
	}
	n, err := SealStore(st, password)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// SealStore seals, with a key derived from password (the CA's, checked
// against the CA's intermediate key), every secret st keeps in clear, and
// from then on st seals the secrets written to it, whatever its engine. It
// returns how many it sealed: `localca store seal`, the step before a CA
// made in a file is copied into etcd.
func SealStore(st *store.Store, password []byte) (int, error) {
	if len(password) == 0 {
		return 0, fmt.Errorf("%w: sealing the store's secrets needs the CA password", ErrPasswordRequired)
	}
	sec := NewSecrets(func() ([]byte, error) { return password, nil })
	if _, err := st.Setting(sealSetting); errors.Is(err, store.ErrNotFound) {
		if err := checkCAPassword(st, password); err != nil {
			return 0, err
		}
		if err := sec.create(st, password); err != nil {
			return 0, err
		}
	} else if err != nil {
		return 0, err
	}
	if err := sec.Prepare(st); err != nil {
		return 0, err
	}
	return st.RewriteSecrets(func(kind, name string, v []byte) ([]byte, error) {
		return visitSecret(kind, name, v, func(sealName string, secret []byte) ([]byte, error) {
			if len(secret) == 0 || Sealed(secret) {
				return nil, nil
			}
			return sec.Seal(st, sealName, secret)
		})
	})
}
