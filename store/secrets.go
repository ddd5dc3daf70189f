package store

import (
	"bytes"
	"fmt"
)

// The records that hold a secret besides the CA keys: the private key a
// key record keeps (key/FP, its PEM), the zone's limited update keys
// (dnskey/NAME), the zone's settings (setting/dns.*, its own TSIG key) and
// the ACME external account binding keys (acme/eab/KID). The ca package
// seals them in a store kept in etcd; the store only finds them.
const (
	SecretKey     = "key"     // name: the fingerprint in hex; value: the PEM
	SecretDNSKey  = "dnskey"  // name: the key's name; value: the whole record
	SecretSetting = "setting" // name: the setting's name; value: the setting
	SecretACME    = "acme"    // name: the ACME key (eab/KID); value: the whole record
)

// secretWrites is how many rewritten records one commit carries: well
// under etcd's 128 operations per Txn.
const secretWrites = 64

// RewriteSecrets calls fn with every record that holds a secret (kind one
// of the Secret* names, name as they say) and writes back what fn returns
// in place of the value; nil keeps it. A record changed by another process
// between the read and the write is left as that process wrote it. It
// returns how many records it rewrote. fn returning nil always reads the
// store and writes nothing.
func (s *Store) RewriteSecrets(fn func(kind, name string, v []byte) ([]byte, error)) (int, error) {
	type change struct{ key, old, new []byte }
	var changes []change
	err := s.view(func(tx ReadTx) error {
		changes = nil
		visit := func(prefix []byte, kind string, name func(k []byte) (string, bool)) error {
			return tx.Range(prefix, nil, false, func(k, v []byte) error {
				n, ok := name(k)
				if !ok {
					return nil
				}
				secret := v
				var rec Key
				if kind == SecretKey {
					if err := rec.unmarshalRecord(k[len(pKey):], v); err != nil {
						return fmt.Errorf("%w: key record %x: %v", ErrCorrupt, k[len(pKey):], err)
					}
					if len(rec.PEM) == 0 {
						return nil
					}
					secret = rec.PEM
				}
				nv, err := fn(kind, n, clone(secret))
				if err != nil || nv == nil {
					return err
				}
				if kind == SecretKey {
					rec.PEM = nv
					nv = rec.marshalRecord()
				}
				if !bytes.Equal(nv, v) {
					changes = append(changes, change{clone(k), clone(v), nv})
				}
				return nil
			})
		}
		fp := func(k []byte) (string, bool) {
			return fmt.Sprintf("%x", k[len(pKey):]), len(k) == len(pKey)+32
		}
		all := func(p []byte) func(k []byte) (string, bool) {
			return func(k []byte) (string, bool) { return string(k[len(p):]), true }
		}
		for _, v := range []struct {
			prefix []byte
			kind   string
			name   func(k []byte) (string, bool)
		}{
			{pKey, SecretKey, fp},
			{pDNSKey, SecretDNSKey, all(pDNSKey)},
			{cat(pSetting, []byte("dns.")), SecretSetting, all(pSetting)},
			{cat(pACME, []byte("eab/")), SecretACME, all(pACME)},
		} {
			if err := visit(v.prefix, v.kind, v.name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	done := 0
	for len(changes) > 0 {
		batch := changes[:min(secretWrites, len(changes))]
		changes = changes[len(batch):]
		n := 0
		err := s.update(func(tx WriteTx) error {
			n = 0
			for _, c := range batch {
				cur, err := tx.Get(c.key)
				if err != nil {
					return err
				}
				if !bytes.Equal(cur, c.old) {
					continue
				}
				if err := tx.Put(c.key, c.new); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return done, err
		}
		done += n
	}
	return done, nil
}
