package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// DNSRecords returns the stored DNS records, in zone-file form, sorted.
// The store does not parse them; netdemo/dnssrv does.
func (s *Store) DNSRecords() ([]string, error) {
	var out []string
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketDNS).ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}

// ApplyDNS removes and adds records in one transaction. Removing an absent
// record and adding a present one are no-ops, and so is removing a record
// that the same call adds; it reports whether the set of records changed.
func (s *Store) ApplyDNS(add, remove []string) (changed bool, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		changed = false
		b := tx.Bucket(bucketDNS)
		adding := make(map[string]bool, len(add))
		for _, r := range add {
			if r == "" {
				return fmt.Errorf("store: adding an empty DNS record")
			}
			adding[r] = true
		}
		for _, r := range remove {
			if adding[r] || r == "" {
				continue
			}
			if b.Get([]byte(r)) != nil {
				changed = true
				if err := b.Delete([]byte(r)); err != nil {
					return err
				}
			}
		}
		for _, r := range add {
			if b.Get([]byte(r)) == nil {
				changed = true
				if err := b.Put([]byte(r), []byte{}); err != nil {
					return err
				}
			}
		}
		if !changed {
			return nil
		}
		return s.addEvent(tx, "dns.changed", "", "")
	})
	return changed, err
}
