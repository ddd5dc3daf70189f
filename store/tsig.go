package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The MACs of answered DNS UPDATEs, so that a captured update replayed
// within TSIG's window (to this server or another of the zone) changes
// nothing. Each entry: the MAC -> 8 bytes of expiry (Unix seconds) and 2 of
// the rcode answered (0xFFFF while it is being answered).
var bucketTSIG = []byte("tsig_macs")

const tsigPending = 0xFFFF

// ClaimTSIG marks mac as being answered until now+keep, and drops expired
// entries. When mac was claimed before and has not expired it changes
// nothing and returns the rcode answered then (-1 while still pending) and
// seen true.
func (s *Store) ClaimTSIG(mac []byte, now time.Time, keep time.Duration) (rcode int, seen bool, err error) {
	if len(mac) == 0 {
		return 0, false, fmt.Errorf("store: an empty TSIG MAC")
	}
	err = s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketTSIG)
		if err != nil {
			return err
		}
		var expired [][]byte
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if len(v) == 10 && int64(binary.BigEndian.Uint64(v)) < now.Unix() {
				expired = append(expired, append([]byte(nil), k...))
			}
		}
		for _, k := range expired {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		if v := b.Get(mac); len(v) == 10 {
			seen = true
			if rcode = int(binary.BigEndian.Uint16(v[8:])); rcode == tsigPending {
				rcode = -1
			}
			return nil
		}
		v := make([]byte, 10)
		binary.BigEndian.PutUint64(v, uint64(now.Add(keep).Unix()))
		binary.BigEndian.PutUint16(v[8:], tsigPending)
		return b.Put(mac, v)
	})
	return rcode, seen, err
}

// AnsweredTSIG records the rcode a claimed MAC was answered with.
func (s *Store) AnsweredTSIG(mac []byte, rcode int) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTSIG)
		if b == nil {
			return nil
		}
		v := b.Get(mac)
		if len(v) != 10 {
			return nil
		}
		nv := append([]byte(nil), v...)
		binary.BigEndian.PutUint16(nv[8:], uint16(rcode))
		return b.Put(mac, nv)
	})
}

// The DNS zone's limited update keys (`dns key create`), by name; the
// value is the ca package's encoding of the key.
var bucketDNSKeys = []byte("dns_keys")

// PutDNSKey stores a new key; a name the store holds is refused.
func (s *Store) PutDNSKey(name string, value []byte) error {
	return s.update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketDNSKeys)
		if err != nil {
			return err
		}
		if b.Get([]byte(name)) != nil {
			return fmt.Errorf("%w: DNS key %q", ErrExists, name)
		}
		if err := b.Put([]byte(name), value); err != nil {
			return err
		}
		return s.addEvent(tx, "dns.key.created", name, "")
	})
}

// DNSKeys returns every stored key by name.
func (s *Store) DNSKeys() (map[string][]byte, error) {
	out := map[string][]byte{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDNSKeys)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			out[string(k)] = clone(v)
			return nil
		})
	})
	return out, err
}

// DeleteDNSKey removes a key; an unknown name is ErrNotFound.
func (s *Store) DeleteDNSKey(name string) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketDNSKeys)
		if b == nil || b.Get([]byte(name)) == nil {
			return fmt.Errorf("%w: DNS key %q", ErrNotFound, name)
		}
		if err := b.Delete([]byte(name)); err != nil {
			return err
		}
		return s.addEvent(tx, "dns.key.revoked", name, "")
	})
}
