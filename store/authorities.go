package store

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// InitCA stores a new root and intermediate and makes them the active pair.
// Without force it refuses (ErrCAExists) when a CA is already there. The
// replaced authorities stay in the store so that what they issued can still
// be looked up and revoked.
func (s *Store) InitCA(root, inter *Authority, force bool) error {
	return s.update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if old := meta.Get([]byte("root")); old != nil && !force {
			return fmt.Errorf("%w (root %.16s…): use --force to replace it", ErrCAExists, old)
		}
		b := tx.Bucket(bucketAuthorities)
		for _, a := range []*Authority{root, inter} {
			if err := checkIssuerPrefix(b, a.ID); err != nil {
				return err
			}
			if err := putRecord(b, []byte(a.ID), a); err != nil {
				return err
			}
		}
		if err := meta.Put([]byte("root"), []byte(root.ID)); err != nil {
			return err
		}
		if err := meta.Put([]byte("intermediate"), []byte(inter.ID)); err != nil {
			return err
		}
		return s.addEvent(tx, "ca.init", inter.ID, "root "+root.ID)
	})
}

// CA returns the active root and intermediate, or ErrNoCA.
func (s *Store) CA() (root, inter *Authority, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		rid, iid := meta.Get([]byte("root")), meta.Get([]byte("intermediate"))
		if rid == nil || iid == nil {
			return ErrNoCA
		}
		if root, err = authority(tx, string(rid)); err != nil {
			return err
		}
		inter, err = authority(tx, string(iid))
		return err
	})
	return root, inter, err
}

// Authority returns the authority with the given id.
func (s *Store) Authority(id string) (*Authority, error) {
	var a *Authority
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		a, err = authority(tx, id)
		return err
	})
	return a, err
}

// Authorities returns every authority ever stored, active or replaced.
func (s *Store) Authorities() ([]*Authority, error) {
	var out []*Authority
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAuthorities).ForEach(func(k, _ []byte) error {
			a, err := authority(tx, string(k))
			if err == nil {
				out = append(out, a)
			}
			return err
		})
	})
	return out, err
}

func authority(tx *bolt.Tx, id string) (*Authority, error) {
	var a Authority
	ok, err := getRecord(tx.Bucket(bucketAuthorities), []byte(id), &a)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: authority %s", ErrNotFound, id)
	}
	return &a, nil
}

// checkIssuerPrefix refuses an authority whose id starts like another's:
// certificate records name their issuer by the first issuerPrefixLen bytes
// of its id (codec.go), and two authorities sharing them would leave those
// records unreadable. With ids that are SHA-256 sums this never happens by
// chance; the check makes it never happen at all.
func checkIssuerPrefix(b *bolt.Bucket, id string) error {
	n := 2 * issuerPrefixLen // hex digits
	if len(id) <= n {
		return nil // too short to be shortened (packIssuer keeps it whole)
	}
	prefix := []byte(id[:n])
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if string(k) != id {
			return fmt.Errorf("store: authority %.16s… starts like authority %.16s…: make the CA again (a new key gives a new id)", id, k)
		}
	}
	return nil
}
