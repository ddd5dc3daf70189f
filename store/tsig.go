package store

import (
	"encoding/binary"
	"fmt"
	"time"
)

// The MACs of answered DNS UPDATEs, so that a captured update replayed
// within TSIG's window (to this server or another of the zone) changes
// nothing: tsigmac/MAC -> 8 bytes of expiry (Unix seconds) and 2 of the
// rcode answered (0xFFFF while it is being answered). And the zone's
// limited update keys: dnskey/NAME -> the ca package's encoding.
var (
	pTSIGMAC = []byte("tsigmac/")
	pDNSKey  = []byte("dnskey/")
)

const tsigPending = 0xFFFF

// ClaimTSIG marks mac as being answered until now+keep, and drops expired
// entries. When mac was claimed before and has not expired it changes
// nothing and returns the rcode answered then (-1 while still pending) and
// seen true.
func (s *Store) ClaimTSIG(mac []byte, now time.Time, keep time.Duration) (rcode int, seen bool, err error) {
	if len(mac) == 0 {
		return 0, false, fmt.Errorf("store: an empty TSIG MAC")
	}
	err = s.update(func(tx WriteTx) error {
		rcode, seen = 0, false
		var expired [][]byte
		err := tx.Range(pTSIGMAC, nil, false, func(k, v []byte) error {
			if len(v) == 10 && int64(binary.BigEndian.Uint64(v)) < now.Unix() {
				expired = append(expired, clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range expired {
			if err := tx.Delete(k); err != nil {
				return err
			}
		}
		v, err := tx.Get(cat(pTSIGMAC, mac))
		if err != nil {
			return err
		}
		if len(v) == 10 && int64(binary.BigEndian.Uint64(v)) >= now.Unix() {
			seen = true
			if rcode = int(binary.BigEndian.Uint16(v[8:])); rcode == tsigPending {
				rcode = -1
			}
			return nil
		}
		nv := make([]byte, 10)
		binary.BigEndian.PutUint64(nv, uint64(now.Add(keep).Unix()))
		binary.BigEndian.PutUint16(nv[8:], tsigPending)
		return tx.Put(cat(pTSIGMAC, mac), nv)
	})
	return rcode, seen, err
}

// AnsweredTSIG records the rcode a claimed MAC was answered with.
func (s *Store) AnsweredTSIG(mac []byte, rcode int) error {
	return s.update(func(tx WriteTx) error {
		v, err := tx.Get(cat(pTSIGMAC, mac))
		if err != nil || len(v) != 10 {
			return err
		}
		nv := clone(v)
		binary.BigEndian.PutUint16(nv[8:], uint16(rcode))
		return tx.Put(cat(pTSIGMAC, mac), nv)
	})
}

// PutDNSKey stores a new key; a name the store holds is refused.
func (s *Store) PutDNSKey(name string, value []byte) error {
	return s.update(func(tx WriteTx) error {
		v, err := tx.Get(cat(pDNSKey, []byte(name)))
		if err != nil {
			return err
		}
		if v != nil {
			return fmt.Errorf("%w: DNS key %q", ErrExists, name)
		}
		if err := tx.Put(cat(pDNSKey, []byte(name)), value); err != nil {
			return err
		}
		return s.addEvent(tx, "dns.key.created", name, "")
	})
}

// DNSKeys returns every stored key by name.
func (s *Store) DNSKeys() (map[string][]byte, error) {
	out := map[string][]byte{}
	err := s.view(func(tx ReadTx) error {
		return tx.Range(pDNSKey, nil, false, func(k, v []byte) error {
			out[string(k[len(pDNSKey):])] = clone(v)
			return nil
		})
	})
	return out, err
}

// DeleteDNSKey removes a key; an unknown name is ErrNotFound.
func (s *Store) DeleteDNSKey(name string) error {
	return s.update(func(tx WriteTx) error {
		v, err := tx.Get(cat(pDNSKey, []byte(name)))
		if err != nil {
			return err
		}
		if v == nil {
			return fmt.Errorf("%w: DNS key %q", ErrNotFound, name)
		}
		if err := tx.Delete(cat(pDNSKey, []byte(name))); err != nil {
			return err
		}
		return s.addEvent(tx, "dns.key.revoked", name, "")
	})
}
