package acme

import (
	"bytes"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

func (s *Server) accountURL(id string) string { return s.base + "/acct/" + id }

// accountJSON is an account as RFC 8555 7.1.2 shows it.
func (s *Server) accountJSON(a *Account) map[string]any {
	out := map[string]any{"status": a.Status, "orders": s.accountURL(a.ID) + "/orders"}
	if len(a.Contact) > 0 {
		out["contact"] = a.Contact
	}
	return out
}

type newAccountPayload struct {
	Contact                []string        `json:"contact"`
	TermsOfServiceAgreed   bool            `json:"termsOfServiceAgreed"`
	OnlyReturnExisting     bool            `json:"onlyReturnExisting"`
	ExternalAccountBinding json.RawMessage `json:"externalAccountBinding"`
}

// newAccount is RFC 8555 7.3: an existing key gets its account back (200),
// a new one an account (201), bound to an EAB key when one is given or
// required.
func (s *Server) newAccount(w http.ResponseWriter, r *http.Request, q *request) error {
	var p newAccountPayload
	if err := decode(q.payload, &p); err != nil {
		return err
	}
	if err := checkContacts(p.Contact); err != nil {
		return err
	}
	thumb, err := thumbprint(q.jwk)
	if err != nil {
		return err
	}
	existing, err := s.accountByThumbprint(thumb)
	if err != nil {
		return err
	}
	if existing != nil {
		w.Header().Set("Location", s.accountURL(existing.ID))
		writeJSON(w, http.StatusOK, s.accountJSON(existing))
		return nil
	}
	if p.OnlyReturnExisting {
		return problem(ProbAccountDoesNotExist, "no account has this key")
	}
	var eab *EABKey
	if len(p.ExternalAccountBinding) > 0 && string(p.ExternalAccountBinding) != "null" {
		if eab, err = s.checkEAB(p.ExternalAccountBinding, q.jwk, q.url); err != nil {
			return err
		}
	} else if s.cfg.RequireEAB {
		return problem(ProbExternalAccountRequired, "this server requires an external account binding (ask its operator for `localca acme eab create`)")
	}
	if !s.accounts.allow(clientIP(r)) {
		return problem(ProbRateLimited, "more than %d new accounts a minute from %s", s.cfg.AccountsPerMinute, clientIP(r))
	}
	key, err := q.jwk.MarshalJSON()
	if err != nil {
		return fmt.Errorf("acme: encoding the account key: %w", err)
	}
	a := &Account{ID: newID(), Key: key, Thumbprint: thumb, Status: StatusValid, Contact: p.Contact,
		Addr: clientIP(r), Created: s.cfg.Now().UTC()}
	if eab != nil {
		a.EABKeyID = eab.KeyID
	}
	status := http.StatusCreated
	err = s.cfg.Storage.Update(func(tx Tx) error {
		// Two requests with one new key race to here: the second finds
		// the first's account, as a later request would.
		if id := tx.Get(keyAccountByKey(thumb)); id != nil {
			status = http.StatusOK
			return getJSON(tx, keyAccount(string(id)), a)
		}
		if eab != nil {
			var k EABKey
			if err := getJSON(tx, keyEAB(eab.KeyID), &k); err != nil {
				return err
			}
			if k.Account != "" {
				return problem(ProbUnauthorized, "externalAccountBinding key %q is already bound to an account", k.KeyID)
			}
			k.Account = a.ID
			if err := putJSON(tx, keyEAB(k.KeyID), &k); err != nil {
				return err
			}
		}
		if err := putJSON(tx, keyAccount(a.ID), a); err != nil {
			return err
		}
		if err := tx.Put(keyAccountByKey(thumb), []byte(a.ID)); err != nil {
			return err
		}
		detail := "from " + a.Addr
		if eab != nil {
			detail += fmt.Sprintf(", EAB %s %q", eab.KeyID, eab.Name)
		}
		return tx.Event("acme.account", a.ID, detail)
	})
	if err != nil {
		return err
	}
	if status == http.StatusCreated {
		s.cfg.Log.Printf("acme: new account %s from %s", a.ID, a.Addr)
	}
	w.Header().Set("Location", s.accountURL(a.ID))
	writeJSON(w, status, s.accountJSON(a))
	return nil
}

// checkContacts accepts mailto: URLs only (RFC 8555 7.3), a few of them.
func checkContacts(cs []string) error {
	if len(cs) > 10 {
		return problem("invalidContact", "at most 10 contacts")
	}
	for _, c := range cs {
		if !strings.HasPrefix(c, "mailto:") || len(c) > 320 || strings.ContainsAny(c, ",\r\n") {
			return problem("invalidContact", "contact %q is not a single mailto: URL", c)
		}
	}
	return nil
}

func (s *Server) accountByThumbprint(thumb string) (*Account, error) {
	var a *Account
	err := s.cfg.Storage.View(func(tx Tx) error {
		id := tx.Get(keyAccountByKey(thumb))
		if id == nil {
			return nil
		}
		a = &Account{}
		return getJSON(tx, keyAccount(string(id)), a)
	})
	return a, err
}

// account is RFC 8555 7.3.2 and 7.3.6: read, update the contacts, or
// deactivate.
func (s *Server) account(w http.ResponseWriter, r *http.Request, q *request) error {
	if r.PathValue("id") != q.account.ID {
		return problem(ProbUnauthorized, "the request is signed by another account than %q", r.PathValue("id"))
	}
	a := q.account
	if !q.postAsGet() {
		var p struct {
			Status  string    `json:"status"`
			Contact *[]string `json:"contact"`
		}
		if err := decode(q.payload, &p); err != nil {
			return err
		}
		if p.Status != "" && p.Status != StatusDeactivated && p.Status != a.Status {
			return problem(ProbMalformed, "an account's status can only be set to deactivated")
		}
		if p.Contact != nil {
			if err := checkContacts(*p.Contact); err != nil {
				return err
			}
		}
		err := s.cfg.Storage.Update(func(tx Tx) error {
			if err := getJSON(tx, keyAccount(a.ID), a); err != nil {
				return err
			}
			if p.Contact != nil {
				a.Contact = *p.Contact
			}
			if p.Status == StatusDeactivated {
				a.Status = StatusDeactivated
				if err := tx.Event("acme.account.deactivated", a.ID, ""); err != nil {
					return err
				}
			}
			return putJSON(tx, keyAccount(a.ID), a)
		})
		if err != nil {
			return err
		}
	}
	w.Header().Set("Location", s.accountURL(a.ID))
	writeJSON(w, http.StatusOK, s.accountJSON(a))
	return nil
}

// accountOrders is RFC 8555 7.1.2.1: the account's orders that are not
// finished.
func (s *Server) accountOrders(w http.ResponseWriter, r *http.Request, q *request) error {
	if r.PathValue("id") != q.account.ID {
		return problem(ProbUnauthorized, "the request is signed by another account than %q", r.PathValue("id"))
	}
	urls := []string{}
	err := s.cfg.Storage.View(func(tx Tx) error {
		return tx.Range(keyAccountOrder(q.account.ID, ""), func(k string, _ []byte) error {
			id := k[strings.LastIndexByte(k, '/')+1:]
			var o Order
			if err := getJSON(tx, keyOrder(id), &o); err != nil {
				return nil // cleaned up meanwhile
			}
			if st := s.orderStatus(tx, &o); st == StatusPending || st == StatusReady || st == StatusProcessing {
				urls = append(urls, s.orderURL(id))
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"orders": urls})
	return nil
}

// keyChange is RFC 8555 7.3.5: the outer JWS by the account, the inner by
// the new key, over {account, oldKey}.
func (s *Server) keyChange(w http.ResponseWriter, r *http.Request, q *request) error {
	inner, err := parseJWS(q.payload, outerAlgs)
	if err != nil {
		return err
	}
	h := inner.header
	if h.JSONWebKey == nil || h.KeyID != "" {
		return problem(ProbMalformed, "the inner JWS of a key change must carry the new key as jwk")
	}
	if inner.url() != q.url {
		return problem(ProbMalformed, "the inner JWS url %q is not the outer's %q", inner.url(), q.url)
	}
	if h.Nonce != "" {
		return problem(ProbMalformed, "the inner JWS of a key change must not carry a nonce")
	}
	if err := checkAccountKey(h.JSONWebKey); err != nil {
		return err
	}
	payload, err := inner.jws.Verify(h.JSONWebKey)
	if err != nil {
		return problem(ProbMalformed, "the inner JWS signature does not verify: %v", err)
	}
	var p struct {
		Account string          `json:"account"`
		OldKey  json.RawMessage `json:"oldKey"`
	}
	if err := decode(payload, &p); err != nil {
		return err
	}
	if p.Account != s.accountURL(q.account.ID) {
		return problem(ProbUnauthorized, "the key change names account %q, not the signer", p.Account)
	}
	var old jose.JSONWebKey
	if err := old.UnmarshalJSON(p.OldKey); err != nil {
		return problem(ProbMalformed, "oldKey: %v", err)
	}
	oldT, _ := old.Thumbprint(crypto.SHA256)
	curT, _ := q.jwk.Thumbprint(crypto.SHA256)
	if oldT == nil || !bytes.Equal(oldT, curT) {
		return problem(ProbUnauthorized, "oldKey is not the account's current key")
	}
	newThumb, err := thumbprint(h.JSONWebKey)
	if err != nil {
		return err
	}
	newKey, err := h.JSONWebKey.MarshalJSON()
	if err != nil {
		return fmt.Errorf("acme: encoding the new key: %w", err)
	}
	a := q.account
	err = s.cfg.Storage.Update(func(tx Tx) error {
		if other := tx.Get(keyAccountByKey(newThumb)); other != nil {
			w.Header().Set("Location", s.accountURL(string(other)))
			return problem(ProbMalformed, "the new key belongs to another account").withStatus(http.StatusConflict)
		}
		if err := getJSON(tx, keyAccount(a.ID), a); err != nil {
			return err
		}
		if err := tx.Delete(keyAccountByKey(a.Thumbprint)); err != nil {
			return err
		}
		a.Key, a.Thumbprint = newKey, newThumb
		if err := tx.Put(keyAccountByKey(newThumb), []byte(a.ID)); err != nil {
			return err
		}
		if err := putJSON(tx, keyAccount(a.ID), a); err != nil {
			return err
		}
		return tx.Event("acme.account.keychange", a.ID, newThumb)
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.accountJSON(a))
	return nil
}
