package acme

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/localca/localca/internal/logsafe"
)

// Accounts lists the stored accounts, oldest first.
func Accounts(st Storage) ([]Account, error) {
	return listJSON(st, "acct/", nil, func(a Account) time.Time { return a.Created })
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
	status := func(tx Tx, o *Order) { s.orderStatus(tx, o) }
	return listJSON(st, "order/", status, func(o Order) time.Time { return o.Created })
}

// listJSON reads every record under prefix as a T, each passed to fill
// (when not nil) in the same transaction, oldest first by created.
func listJSON[T any](st Storage, prefix string, fill func(Tx, *T), created func(T) time.Time) ([]T, error) {
	var out []T
	err := st.View(func(tx Tx) error {
		return tx.Range(prefix, func(k string, v []byte) error {
			var r T
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("acme: record %s: %w", k, err)
			}
			if fill != nil {
				fill(tx, &r)
			}
			out = append(out, r)
			return nil
		})
	})
	sortByTime(out, created)
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

// WriteAccounts writes accounts as `localca acme accounts` prints them: a
// table, a row per account, the address quoted.
func WriteAccounts(w io.Writer, accounts []Account) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tCREATED\tFROM\tEAB")
	for _, a := range accounts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%q\t%s\n", a.ID, a.Status, a.Created.Format(time.RFC3339), a.Addr, a.EABKeyID)
	}
	return tw.Flush()
}

// WriteOrders writes orders as `localca acme orders` prints them: a table,
// a row per order, the names quoted.
func WriteOrders(w io.Writer, orders []Order) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tPROFILE\tNAMES\tSERIAL\tACCOUNT")
	for _, o := range orders {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%q\t%s\t%s\n", o.ID, o.Status, o.Profile, IdentValues(o.Identifiers), o.Serial, o.AccountID)
	}
	return tw.Flush()
}

// EABReport is what `localca acme eab create` says of the key it made: the
// key id and HMAC key a client needs, shown this once, and what its
// account may order. Its JSON keys are part of the command line's
// interface.
type EABReport struct {
	Allow []string `json:"allow"`
	HMAC  string   `json:"hmac"` // base64url, as clients take it
	KeyID string   `json:"kid"`
	Name  string   `json:"name"`
}

// Report describes k.
func (k *EABKey) Report() EABReport {
	return EABReport{Allow: k.Allow, HMAC: k.HMACBase64(), KeyID: k.KeyID, Name: k.Name}
}

// WriteText writes the two values a client needs, one per line.
func (r EABReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "kid  %s\nhmac %s\n", r.KeyID, r.HMAC)
	return err
}

// WriteNote writes, for the person who made the key (on stderr, away from
// the values), what it may order and how a client takes it; escaped, so
// that a name cannot forge a line.
func (r EABReport) WriteNote(w io.Writer) error {
	_, err := fmt.Fprintln(w, logsafe.String(fmt.Sprintf("EAB key %q may order %q; give the client both values (lego --eab --kid KID --hmac HMAC)", r.Name, r.Allow)))
	return err
}
