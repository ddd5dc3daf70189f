package store

import (
	"fmt"
)

// Settings are small named values the CLI keeps with the CA, such as the
// DNS server's TSIG key, so that the home folder holds nothing secret but
// the store. They live under setting/.

// Setting returns a setting's value, or ErrNotFound.
func (s *Store) Setting(name string) (string, error) {
	var v []byte
	err := s.view(func(tx ReadTx) error {
		raw, err := tx.Get(settingKey(name))
		v = clone(raw)
		return err
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
	err := s.update(func(tx WriteTx) error {
		if v, err := tx.Get(settingKey(name)); err != nil || v != nil {
			out = string(v)
			return err
		}
		v, err := newValue()
		if err != nil {
			return err
		}
		out = v
		return tx.Put(settingKey(name), []byte(v))
	})
	return out, err
}
