package ca

import (
	"crypto"
	"errors"
	"fmt"
)

// ReadKeyFile reads a private key file in any form ParseKey takes (at most
// MaxInputFile bytes), calling password only when the key is encrypted, so
// that a plain key never prompts. Errors name the file.
func ReadKeyFile(path string, password func() ([]byte, error)) (crypto.Signer, error) {
	data, err := ReadInput(path, MaxInputFile)
	if err != nil {
		return nil, err
	}
	key, err := ParseKey(data, nil)
	if errors.Is(err, ErrPasswordRequired) && password != nil {
		var pw []byte
		if pw, err = password(); err == nil {
			key, err = ParseKey(data, pw)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// NewKey makes a key of spec that the home's policy allows, encodes it as
// PKCS#8 PEM (encrypted with PBES2 when password is given) and records it,
// with its PEM and label, in the home's store before it returns it: a key
// localca hands out is always on record (see RecordKey).
func (h Home) NewKey(spec KeySpec, password []byte, label string) ([]byte, KeyRecord, error) {
	pol, _, err := h.Policy()
	if err != nil {
		return nil, KeyRecord{}, err
	}
	key, err := spec.Generate()
	if err != nil {
		return nil, KeyRecord{}, err
	}
	if err := pol.CheckKey(key.Public()); err != nil {
		return nil, KeyRecord{}, err
	}
	pemKey, err := EncodeKey(key, password)
	if err != nil {
		return nil, KeyRecord{}, err
	}
	rec, err := h.RecordKey(key.Public(), pemKey, label)
	return pemKey, rec, err
}
