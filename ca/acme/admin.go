package acme

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Accounts lists the stored accounts, oldest first.
func Accounts(st Storage) ([]Account, error) {
	var out []Account
	err := st.View(func(tx Tx) error {
		return tx.Range("acct/", func(k string, v []byte) error {
			var a Account
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("acme: record %s: %w", k, err)
			}
			out = append(out, a)
			return nil
		})
	})
	sortByTime(out, func(a Account) time.Time { return a.Created })
	return out, err
}

// Orders lists the stored orders, oldest first, each with its status as
// of now (expired pending orders read invalid).
func (s *Server) Orders() ([]Order, error) { return listOrders(s.cfg.Storage, s.cfg.Now) }

// Orders lists the stored orders of st, for commands run beside a server.
func Orders(st Storage, now time.Time) ([]Order, error) {
	return listOrders(st, func() time.Time { return now })
}

func listOrders(st Storage, now func() time.Time) ([]Order, error) {
	s := &Server{cfg: Config{Now: now}}
	var out []Order
	err := st.View(func(tx Tx) error {
		return tx.Range("order/", func(k string, v []byte) error {
			var o Order
			if err := json.Unmarshal(v, &o); err != nil {
				return fmt.Errorf("acme: record %s: %w", k, err)
			}
			s.orderStatus(tx, &o)
			out = append(out, o)
			return nil
		})
	})
	sortByTime(out, func(o Order) time.Time { return o.Created })
	return out, err
}

func sortByTime[T any](xs []T, at func(T) time.Time) {
	for i := 1; i < len(xs); i++ { // insertion sort: lists are short, and stable
		for j := i; j > 0 && at(xs[j]).Before(at(xs[j-1])); j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}

// Cleanup deletes orders that never became valid and expired before now,
// with their authorizations and index entries, in one transaction, and
// records how many in the event log. Valid orders stay: they tie
// certificates to their accounts (revocation, ARI).
func (s *Server) Cleanup() (int, error) {
	now := s.cfg.Now()
	n := 0
	err := s.cfg.Storage.Update(func(tx Tx) error {
		n = 0
		err := tx.Range("order/", func(k string, v []byte) error {
			var o Order
			if json.Unmarshal(v, &o) != nil || o.Status == StatusValid || !now.After(o.Expires) {
				return nil
			}
			for _, id := range o.AuthzIDs {
				if err := tx.Delete(keyAuthz(id)); err != nil {
					return err
				}
			}
			if o.Replaces != "" {
				if serial, err := parseCertID(o.Replaces); err == nil {
					key := keyReplaced(fmt.Sprintf("%x", serial))
					if string(tx.Get(key)) == o.ID {
						if err := tx.Delete(key); err != nil {
							return err
						}
					}
				}
			}
			if err := tx.Delete(keyAccountOrder(o.AccountID, o.ID)); err != nil {
				return err
			}
			n++
			return tx.Delete(k)
		})
		if err != nil || n == 0 {
			return err
		}
		return tx.Event("acme.cleanup", "", fmt.Sprintf("%d expired orders removed", n))
	})
	return n, err
}

// CleanupEvery runs Cleanup every interval until ctx ends, logging what it
// removed and any failure.
func (s *Server) CleanupEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.Cleanup()
			if err != nil {
				s.cfg.Log.Printf("acme: cleaning up expired orders: %v", err)
			} else if n > 0 {
				s.cfg.Log.Printf("acme: removed %d expired orders", n)
			}
		}
	}
}

// IdentValues are the identifiers' values, for listings.
func IdentValues(ids []Ident) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.Value
	}
	return strings.Join(out, ",")
}
