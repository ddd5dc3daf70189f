package store

import (
	"fmt"
)

// DNSRecords returns the stored DNS records, in zone-file form, sorted.
// The store does not parse them; netdemo/dnssrv does.
func (s *Store) DNSRecords() ([]string, error) {
	var out []string
	err := s.view(func(tx ReadTx) error {
		out = nil
		return tx.Range(pDNS, nil, false, func(k, _ []byte) error {
			out = append(out, string(k[len(pDNS):]))
			return nil
		})
	})
	return out, err
}

// ApplyDNS removes and adds records in one transaction. Removing an absent
// record and adding a present one are no-ops, and so is removing a record
// that the same call adds; it reports whether the set of records changed.
func (s *Store) ApplyDNS(add, remove []string) (changed bool, err error) {
	err = s.update(func(tx WriteTx) error {
		changed = false
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
			if v, err := tx.Get(dnsKey(r)); err != nil {
				return err
			} else if v != nil {
				changed = true
				if err := tx.Delete(dnsKey(r)); err != nil {
					return err
				}
			}
		}
		for _, r := range add {
			if v, err := tx.Get(dnsKey(r)); err != nil {
				return err
			} else if v == nil {
				changed = true
				if err := tx.Put(dnsKey(r), nil); err != nil {
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
