package store

import (
	"fmt"
	"time"
)

// NextCRL is what a CRL is made from: it increments the CRL number of the
// authority id and calls fn for every certificate that authority issued
// which is revoked and not yet expired at now, both in one write
// transaction. The number and the list so come from one moment of the
// store: a CRL with a higher number never lists less than one with a lower
// number, however many goroutines or processes make CRLs while others
// revoke. (A number taken in one transaction and a list read in another
// let two CRL makers cross: the later number with the older list.)
//
// The increment is committed before NextCRL returns, so no two CRLs carry
// one number. An error from fn rolls the increment back and is returned.
// fn must not write to the store. On an engine that retries a transaction
// (etcd), fn may see a list more than once; the last is the one whose
// number was committed.
func (s *Store) NextCRL(id string, now time.Time, fn func(*Cert) error) (uint64, error) {
	w := s.walk(fn)
	defer s.done(w)
	var n uint64
	err := s.update(func(tx WriteTx) error {
		a, err := authority(tx, id)
		if err != nil {
			return err
		}
		a.CRLNumber++
		n = a.CRLNumber
		if err := putRecord(tx, authorityKey(id), a); err != nil {
			return err
		}
		return w.revoked(tx, id, now)
	})
	if err != nil {
		return 0, fmt.Errorf("store: next CRL of %s: %w", id, err)
	}
	return n, nil
}
