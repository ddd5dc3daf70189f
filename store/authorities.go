package store

import (
	"fmt"
	"strings"
)

// InitCA stores a new root and intermediate and makes them the active pair.
// Without force it refuses (ErrCAExists) when a CA is already there. The
// replaced authorities stay in the store so that what they issued can still
// be looked up and revoked.
func (s *Store) InitCA(root, inter *Authority, force bool) error {
	return s.update(func(tx WriteTx) error {
		old, err := tx.Get(kRoot)
		if err != nil {
			return err
		}
		if old != nil && !force {
			return fmt.Errorf("%w (root %.16s…): use --force to replace it", ErrCAExists, old)
		}
		for _, a := range []*Authority{root, inter} {
			if err := checkIssuerPrefix(tx, a.ID); err != nil {
				return err
			}
			if err := putRecord(tx, authorityKey(a.ID), a); err != nil {
				return err
			}
		}
		if err := tx.Put(kRoot, []byte(root.ID)); err != nil {
			return err
		}
		if err := tx.Put(kIntermediate, []byte(inter.ID)); err != nil {
			return err
		}
		return s.addEvent(tx, "ca.init", inter.ID, "root "+root.ID)
	})
}

// CA returns the active root and intermediate, or ErrNoCA.
func (s *Store) CA() (root, inter *Authority, err error) {
	err = s.view(func(tx ReadTx) error {
		rid, err := tx.Get(kRoot)
		if err != nil {
			return err
		}
		iid, err := tx.Get(kIntermediate)
		if err != nil {
			return err
		}
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
	err := s.view(func(tx ReadTx) error {
		var err error
		a, err = authority(tx, id)
		return err
	})
	return a, err
}

// Authorities returns every authority ever stored, active or replaced.
func (s *Store) Authorities() ([]*Authority, error) {
	var out []*Authority
	err := s.view(func(tx ReadTx) error {
		out = nil
		return forEachAuthority(tx, func(a *Authority) error { out = append(out, a); return nil })
	})
	return out, err
}

// forEachAuthority decodes every authority record, in id order.
func forEachAuthority(tx ReadTx, fn func(*Authority) error) error {
	return tx.Range(pAuthority, nil, false, func(k, v []byte) error {
		if strings.IndexByte(string(k[len(pAuthority):]), '/') >= 0 {
			return nil // authority/ID/revoked
		}
		var a Authority
		if err := decodeRecord(k, v, &a); err != nil {
			return err
		}
		return fn(&a)
	})
}

func authority(tx ReadTx, id string) (*Authority, error) {
	var a Authority
	ok, err := getRecord(tx, authorityKey(id), &a)
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
func checkIssuerPrefix(tx ReadTx, id string) error {
	n := 2 * issuerPrefixLen // hex digits
	if len(id) <= n {
		return nil // too short to be shortened (packIssuer keeps it whole)
	}
	var clash string
	err := tx.Range(cat(pAuthority, []byte(id[:n])), nil, false, func(k, _ []byte) error {
		other, _, _ := strings.Cut(string(k[len(pAuthority):]), "/")
		if other != id {
			clash = other
			return ErrStopRange
		}
		return nil
	})
	if err != nil {
		return err
	}
	if clash != "" {
		return fmt.Errorf("store: authority %.16s… starts like authority %.16s…: make the CA again (a new key gives a new id)", id, clash)
	}
	return nil
}
