package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Settings are small named values the CLI keeps with the CA, such as the
// DNS server's TSIG key, so that the home folder holds nothing secret but
// the store. They live in the meta bucket under "setting/".

// Setting returns a setting's value, or ErrNotFound.
func (s *Store) Setting(name string) (string, error) {
	var v []byte
	err := s.view(func(tx *bolt.Tx) error {
		v = clone(tx.Bucket(bucketMeta).Get([]byte("setting/" + name)))
		return nil
	})
	if err != nil {
		return "", err
	}
	if v == nil {
		return "", fmt.Errorf("%w: setting %q", ErrNotFound, name)
	}
	return string(v), nil
}

// SettingOrInit returns a setting, storing newValue()'s value first if there is
// none: the check and the write are one transaction, so two processes never
// end up with different values.
func (s *Store) SettingOrInit(name string, newValue func() (string, error)) (string, error) {
	var out string
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		if v := b.Get([]byte("setting/" + name)); v != nil {
			out = string(v)
			return nil
		}
		v, err := newValue()
		if err != nil {
			return err
		}
		out = v
		return b.Put([]byte("setting/"+name), []byte(v))
	})
	return out, err
}
