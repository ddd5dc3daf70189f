package store

// UpdateSetting replaces the setting name with what fn makes of its
// current value (ok false when there is none) and, in the same
// transaction, records an event of kind with fn's detail: a setting whose
// every change is history (the policy every node enforces). Of two
// processes updating it at once, one commits first and the other's fn
// runs again on the new value (etcd's compare-and-swap; bbolt's lock).
// An error from fn is returned as it is and changes nothing.
func (s *Store) UpdateSetting(name, kind string, fn func(old string, ok bool) (value, detail string, err error)) error {
	return s.update(func(tx WriteTx) error {
		old, err := tx.Get(settingKey(name))
		if err != nil {
			return err
		}
		v, detail, err := fn(string(old), old != nil)
		if err != nil {
			return err
		}
		if err := tx.Put(settingKey(name), []byte(v)); err != nil {
			return err
		}
		return s.addEvent(tx, kind, name, detail)
	})
}
