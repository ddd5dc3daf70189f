package store

import (
	"fmt"
	"time"
)

// PutToken stores a new token (its hash only). A hash the store already
// holds is refused, so that a used token can never be made fresh again.
func (s *Store) PutToken(t *Token) error {
	if len(t.Hash) == 0 {
		return fmt.Errorf("store: token %q without a hash", t.Name)
	}
	return s.update(func(tx WriteTx) error {
		if v, err := tx.Get(tokenKey(t.Hash)); err != nil || v != nil {
			if err != nil {
				return err
			}
			return fmt.Errorf("store: token %q: a token with this hash exists", t.Name)
		}
		if err := putRecord(tx, tokenKey(t.Hash), t); err != nil {
			return err
		}
		return s.addEvent(tx, "token.created", t.Name, t.Expires.Format(time.RFC3339))
	})
}

// UseToken spends a token: it succeeds once, for an unexpired token, and
// marks it used in the same transaction, so two concurrent requests with one
// token cannot both pass.
func (s *Store) UseToken(hash []byte, now time.Time) (*Token, error) {
	var t Token
	err := s.update(func(tx WriteTx) error {
		found, err := getRecord(tx, tokenKey(hash), &t)
		if err != nil {
			return err
		}
		switch {
		case !found:
			return fmt.Errorf("%w: unknown token", ErrTokenInvalid)
		case !t.Used.IsZero():
			return fmt.Errorf("%w: token %q was already used at %s", ErrTokenInvalid, t.Name, t.Used.Format(time.RFC3339))
		case now.After(t.Expires):
			return fmt.Errorf("%w: token %q expired at %s", ErrTokenInvalid, t.Name, t.Expires.Format(time.RFC3339))
		}
		t.Used = now.UTC()
		if err := putRecord(tx, tokenKey(hash), &t); err != nil {
			return err
		}
		return s.addEvent(tx, "token.used", t.Name, "")
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Token reads a token by its hash without spending it (its purpose and
// names are checked before it is spent; a read token is never spent).
// An unknown hash is ErrTokenInvalid.
func (s *Store) Token(hash []byte) (*Token, error) {
	var t Token
	err := s.view(func(tx ReadTx) error {
		found, err := getRecord(tx, tokenKey(hash), &t)
		if err == nil && !found {
			err = fmt.Errorf("%w: unknown token", ErrTokenInvalid)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return &t, nil
}
