package ca

import (
	"crypto"
	"fmt"

	"github.com/localca/localca/store"
)

// KeyRecord is what RecordKey reports of a key it recorded: its SPKI
// fingerprint, algorithm and size.
type KeyRecord struct {
	Fingerprint []byte
	Algorithm   string
	Size        int
}

// RecordKey records pub (and pemKey, the private key, when localca made it)
// in the store that open opens, before the key is handed out: a key localca
// gives a user is always on record, so that revoking it later (revoke
// --key) finds it. The store may hold no CA yet.
func RecordKey(open Opener, pub crypto.PublicKey, pemKey []byte, label string) (KeyRecord, error) {
	fp, err := Fingerprint(pub)
	if err != nil {
		return KeyRecord{}, err
	}
	alg, size := DescribeKey(pub)
	st, err := open()
	if err != nil {
		return KeyRecord{}, err
	}
	defer st.Close()
	if err := st.Commit(store.Record{Key: &store.Key{Fingerprint: fp, Algorithm: alg, Size: size, Label: label, PEM: pemKey}}); err != nil {
		return KeyRecord{}, fmt.Errorf("ca: recording the key: %w", err)
	}
	return KeyRecord{Fingerprint: fp, Algorithm: alg, Size: size}, nil
}
