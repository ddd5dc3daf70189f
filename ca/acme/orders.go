package acme

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/localca/localca/policies"
)

func (s *Server) orderURL(id string) string { return s.base + "/order/" + id }
func (s *Server) authzURL(id string) string { return s.base + "/authz/" + id }
func (s *Server) challURL(authz, typ string) string {
	return s.base + "/chall/" + authz + "/" + typ
}
func (s *Server) certURL(serialHex string) string { return s.base + "/cert/" + serialHex }

type newOrderPayload struct {
	Identifiers []Ident `json:"identifiers"`
	NotBefore   string  `json:"notBefore"`
	NotAfter    string  `json:"notAfter"`
	Profile     string  `json:"profile"`
	Replaces    string  `json:"replaces"`
}

// normalize checks an identifier's type and spells its value the one way
// this server stores and compares it.
func normalize(id Ident) (Ident, error) {
	switch id.Type {
	case IdentDNS:
		v := strings.ToLower(strings.TrimSuffix(id.Value, "."))
		if v == "" || strings.ContainsAny(v, " \t\r\n/:@") {
			return id, problem(ProbMalformed, "dns identifier %q is not a name", id.Value)
		}
		if net.ParseIP(v) != nil {
			return id, problem(ProbMalformed, "dns identifier %q is an IP address; use type ip (RFC 8738)", id.Value)
		}
		return Ident{IdentDNS, v}, nil
	case IdentIP:
		ip := net.ParseIP(id.Value)
		if ip == nil {
			return id, problem(ProbMalformed, "ip identifier %q is not an IP address", id.Value)
		}
		return Ident{IdentIP, ip.String()}, nil
	}
	return id, problem(ProbUnsupportedIdentifier, "identifier type %q is not supported (dns and ip are)", id.Type)
}

// policyRequest is what the policy checks for identifiers.
func policyRequest(profile string, ids []Ident) policies.Request {
	req := policies.Request{Profile: profile}
	for _, id := range ids {
		if id.Type == IdentIP {
			req.IPAddresses = append(req.IPAddresses, net.ParseIP(id.Value))
		} else {
			req.DNSNames = append(req.DNSNames, id.Value)
		}
	}
	return req
}

// refusal turns a policy refusal into rejectedIdentifier naming the rule,
// with a subproblem per identifier refused.
func refusal(err error, who string) error {
	var ref *policies.Refusal
	if !errors.As(err, &ref) {
		if errors.Is(err, policies.ErrUnknownProfile) {
			return problem(ProbInvalidProfile, "%v", err)
		}
		return err
	}
	p := problem(ProbRejectedIdentifier, "%s refuses: %v", who, err)
	for _, v := range ref.Violations {
		sub := problem(ProbRejectedIdentifier, "%s: %v", who, v)
		if v.Value != "" {
			typ := IdentDNS
			if net.ParseIP(v.Value) != nil {
				typ = IdentIP
			}
			sub.Identifier = &Ident{typ, v.Value}
		}
		p.Subproblems = append(p.Subproblems, sub)
	}
	return p
}

// newOrder is RFC 8555 7.4: identifiers the policy (and the account's EAB
// patterns) allow, a profile the policy has, an authorization per
// identifier.
func (s *Server) newOrder(w http.ResponseWriter, r *http.Request, q *request) error {
	var p newOrderPayload
	if err := decode(q.payload, &p); err != nil {
		return err
	}
	if len(p.Identifiers) == 0 || len(p.Identifiers) > maxIdentifiers {
		return problem(ProbMalformed, "an order needs 1 to %d identifiers, not %d", maxIdentifiers, len(p.Identifiers))
	}
	if p.NotBefore != "" || p.NotAfter != "" {
		return problem(ProbMalformed, "notBefore and notAfter are not supported: the policy's profile sets the validity")
	}
	if p.Profile == "" {
		p.Profile = policies.ProfileServer
	}
	if _, ok := profileDescriptions[p.Profile]; !ok {
		return problem(ProbInvalidProfile, "profile %q is not offered (see the directory's meta.profiles)", p.Profile)
	}
	var ids []Ident
	for _, raw := range p.Identifiers {
		id, err := normalize(raw)
		if err != nil {
			return err
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if _, err := s.cfg.CA.Policy().Check(policyRequest(p.Profile, ids)); err != nil {
		return refusal(err, "the policy")
	}
	if q.account.EABKeyID != "" {
		var k EABKey
		if err := s.cfg.Storage.View(func(tx Tx) error { return getJSON(tx, keyEAB(q.account.EABKeyID), &k) }); err != nil {
			return err
		}
		if _, err := allowPolicy(k.Allow).Check(policyRequest(p.Profile, ids)); err != nil {
			return refusal(err, fmt.Sprintf("EAB key %q (allow %s)", k.Name, strings.Join(k.Allow, ", ")))
		}
	}
	var replaces string
	if p.Replaces != "" {
		serial, err := parseCertID(p.Replaces)
		if err != nil {
			return err
		}
		replaces = hex.EncodeToString(serial)
	}
	now := s.cfg.Now().UTC()
	o := &Order{ID: newID(), AccountID: q.account.ID, Status: StatusPending, Identifiers: ids, Profile: p.Profile,
		Replaces: p.Replaces, Created: now, Expires: now.Add(s.cfg.OrderLifetime)}
	var authzs []*Authz
	for _, id := range ids {
		a := &Authz{ID: newID(), AccountID: q.account.ID, OrderID: o.ID, Identifier: id, Status: StatusPending, Expires: o.Expires}
		types := []string{ChallHTTP01, ChallTLSALPN01, ChallDNS01}
		if id.Type == IdentIP {
			types = []string{ChallHTTP01, ChallTLSALPN01} // RFC 8738 7: no dns-01 for an address
		}
		if v, ok := strings.CutPrefix(id.Value, "*."); ok {
			a.Identifier.Value, a.Wildcard = v, true
			types = []string{ChallDNS01} // RFC 8555 7.1.3: only dns-01 proves a wildcard
		}
		for _, t := range types {
			a.Challenges = append(a.Challenges, Challenge{Type: t, Token: newID(), Status: StatusPending})
		}
		authzs = append(authzs, a)
		o.AuthzIDs = append(o.AuthzIDs, a.ID)
	}
	err := s.cfg.Storage.Update(func(tx Tx) error {
		if replaces != "" {
			var ref certRef
			if err := getJSON(tx, keyCert(replaces), &ref); err != nil || ref.Account != q.account.ID {
				return problem(ProbMalformed, "replaces %q names no certificate this account ordered", p.Replaces)
			}
			if prev := tx.Get(keyReplaced(replaces)); prev != nil {
				var po Order
				if getJSON(tx, keyOrder(string(prev)), &po) == nil && s.orderStatus(tx, &po) != StatusInvalid {
					return problem(ProbAlreadyReplaced, "certificate %s is already replaced by order %s", replaces, po.ID)
				}
			}
			if err := tx.Put(keyReplaced(replaces), []byte(o.ID)); err != nil {
				return err
			}
		}
		if n := s.pendingOrders(tx, q.account.ID); n >= s.cfg.MaxPendingOrders {
			return problem(ProbRateLimited, "account has %d pending orders; the limit is %d (finish or let them expire)", n, s.cfg.MaxPendingOrders)
		}
		for _, a := range authzs {
			if err := putJSON(tx, keyAuthz(a.ID), a); err != nil {
				return err
			}
		}
		if err := putJSON(tx, keyOrder(o.ID), o); err != nil {
			return err
		}
		if err := tx.Put(keyAccountOrder(q.account.ID, o.ID), nil); err != nil {
			return err
		}
		return tx.Event("acme.order", o.ID, fmt.Sprintf("account %s profile %s %s", q.account.ID, o.Profile, identList(ids)))
	})
	if err != nil {
		return err
	}
	w.Header().Set("Location", s.orderURL(o.ID))
	writeJSON(w, http.StatusCreated, s.orderJSON(o))
	return nil
}

func identList(ids []Ident) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprintf("%s:%q", id.Type, id.Value)
	}
	return strings.Join(out, " ")
}

// pendingOrders counts the account's orders that are not yet finished.
func (s *Server) pendingOrders(tx Tx, acct string) int {
	n := 0
	tx.Range(keyAccountOrder(acct, ""), func(k string, _ []byte) error {
		var o Order
		if getJSON(tx, keyOrder(k[strings.LastIndexByte(k, '/')+1:]), &o) == nil {
			if st := s.orderStatus(tx, &o); st == StatusPending || st == StatusReady {
				n++
			}
		}
		return nil
	})
	return n
}

// orderStatus derives an order's status from its authorizations (RFC 8555
// 7.1.6): invalid when expired or when one failed, ready when all are
// valid. o.Status is set to it.
func (s *Server) orderStatus(tx Tx, o *Order) string {
	if o.Status != StatusPending && o.Status != StatusReady {
		return o.Status
	}
	now := s.cfg.Now()
	if now.After(o.Expires) {
		o.Status = StatusInvalid
		return o.Status
	}
	all := true
	for _, id := range o.AuthzIDs {
		var a Authz
		if getJSON(tx, keyAuthz(id), &a) != nil {
			o.Status = StatusInvalid
			return o.Status
		}
		switch s.authzStatus(&a) {
		case StatusValid:
		case StatusPending:
			all = false
		default:
			o.Status = StatusInvalid
			return o.Status
		}
	}
	if all {
		o.Status = StatusReady
	} else {
		o.Status = StatusPending
	}
	return o.Status
}

func (s *Server) authzStatus(a *Authz) string {
	if (a.Status == StatusPending || a.Status == StatusValid) && s.cfg.Now().After(a.Expires) {
		a.Status = StatusExpired
	}
	return a.Status
}

// orderJSON is an order as RFC 8555 7.1.3 shows it.
func (s *Server) orderJSON(o *Order) map[string]any {
	urls := make([]string, len(o.AuthzIDs))
	for i, id := range o.AuthzIDs {
		urls[i] = s.authzURL(id)
	}
	out := map[string]any{
		"status": o.Status, "expires": o.Expires.Format(time.RFC3339), "identifiers": o.Identifiers,
		"authorizations": urls, "finalize": s.orderURL(o.ID) + "/finalize", "profile": o.Profile,
	}
	if o.Replaces != "" {
		out["replaces"] = o.Replaces
	}
	if o.Serial != "" {
		out["certificate"] = s.certURL(o.Serial)
	}
	if o.Error != nil {
		out["error"] = o.Error
	}
	return out
}

// loadOrder reads an order of q's account with its current status.
func (s *Server) loadOrder(id string, q *request) (*Order, error) {
	var o Order
	err := s.cfg.Storage.View(func(tx Tx) error {
		if err := getJSON(tx, keyOrder(id), &o); err != nil {
			return err
		}
		s.orderStatus(tx, &o)
		return nil
	})
	if err := q.owns("order", id, o.AccountID, err); err != nil {
		return nil, err
	}
	return &o, nil
}

// owns turns the read of what (an order, an authorization) id, which failed
// with err or belongs to owner, into the problem q's client gets: not found,
// or another account's; nil when it is q's account's own.
func (q *request) owns(what, id, owner string, err error) error {
	if isNotFound(err) {
		return problem(ProbMalformed, "no %s %q", what, id).withStatus(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	if owner != q.account.ID {
		return problem(ProbUnauthorized, "%s %q belongs to another account", what, id)
	}
	return nil
}

// order is POST-as-GET of an order.
func (s *Server) order(w http.ResponseWriter, r *http.Request, q *request) error {
	if !q.postAsGet() {
		return problem(ProbMalformed, "an order is read with POST-as-GET (an empty payload)")
	}
	o, err := s.loadOrder(r.PathValue("id"), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.orderJSON(o))
	return nil
}
