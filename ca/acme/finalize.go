package acme

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
)

// finalize is RFC 8555 7.4: a CSR for exactly the order's identifiers,
// signed through the policy, committed to the store in the transaction
// that marks the order valid. The order goes from ready to valid in one
// step (never processing), so a client that polls sees a certificate URL
// that already answers.
func (s *Server) finalize(w http.ResponseWriter, r *http.Request, q *request) error {
	o, err := s.loadOrder(r.PathValue("id"), q)
	if err != nil {
		return err
	}
	if o.Status != StatusReady {
		return problem(ProbOrderNotReady, "order %s is %s, not ready: every authorization must be valid first", o.ID, o.Status)
	}
	var p struct {
		CSR string `json:"csr"`
	}
	if err := decode(q.payload, &p); err != nil {
		return err
	}
	der, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(p.CSR, "="))
	if err != nil || len(der) == 0 {
		return problem(ProbBadCSR, "csr is not base64url DER")
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return problem(ProbBadCSR, "parsing the CSR: %v", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return problem(ProbBadCSR, "the CSR's signature does not verify: %v", err)
	}
	if err := sameIdentifiers(csr, o.Identifiers); err != nil {
		return err
	}
	if fp, _ := ca.Fingerprint(csr.PublicKey); fp != nil {
		if afp, _ := ca.Fingerprint(q.jwk.Key); afp != nil && string(fp) == string(afp) {
			return problem(ProbBadCSR, "the CSR's key is the account key; use a key of its own")
		}
	}
	iss, rec, err := s.cfg.CA.Prepare(csr, ca.SignOptions{Profile: o.Profile})
	if err != nil {
		return signProblem(err)
	}
	// The ACME records key certificates by lower-case hex (certRef, the
	// /cert/ URL): keys, not what a user reads.
	serial := hex.EncodeToString(iss.Record.Serial)
	err = s.cfg.Storage.Update(func(tx Tx) error {
		var cur Order
		if err := getJSON(tx, keyOrder(o.ID), &cur); err != nil {
			return err
		}
		if st := s.orderStatus(tx, &cur); st != StatusReady {
			return problem(ProbOrderNotReady, "order %s is %s, not ready", o.ID, st)
		}
		if err := tx.CommitCert(rec); err != nil {
			return signProblem(err)
		}
		cur.Status, cur.Serial = StatusValid, serial
		if err := putJSON(tx, keyOrder(o.ID), &cur); err != nil {
			return err
		}
		if err := putJSON(tx, keyCert(serial), certRef{Order: o.ID, Account: o.AccountID}); err != nil {
			return err
		}
		*o = cur
		return tx.Event("acme.issued", serial, fmt.Sprintf("order %s account %s", o.ID, o.AccountID))
	})
	if err != nil {
		return err
	}
	s.cfg.Log.Printf("acme: issued %s for %s (order %s), serial %s", o.Profile, identList(o.Identifiers), o.ID, serial)
	w.Header().Set("Location", s.orderURL(o.ID))
	writeJSON(w, http.StatusOK, s.orderJSON(o))
	return nil
}

// sameIdentifiers checks that the CSR asks for exactly the order's
// identifiers (its common name, when set, being one of them).
func sameIdentifiers(csr *x509.CertificateRequest, ids []Ident) error {
	want := map[Ident]bool{}
	for _, id := range ids {
		want[id] = true
	}
	got := map[Ident]bool{}
	for _, n := range csr.DNSNames {
		got[Ident{IdentDNS, strings.ToLower(strings.TrimSuffix(n, "."))}] = true
	}
	for _, ip := range csr.IPAddresses {
		got[Ident{IdentIP, ip.String()}] = true
	}
	if len(csr.EmailAddresses)+len(csr.URIs) > 0 {
		return problem(ProbBadCSR, "the CSR asks for email or URI names, which no order holds")
	}
	if cn := csr.Subject.CommonName; cn != "" {
		id := Ident{IdentDNS, strings.ToLower(strings.TrimSuffix(cn, "."))}
		if ip := net.ParseIP(cn); ip != nil {
			id = Ident{IdentIP, ip.String()}
		}
		if !want[id] {
			return problem(ProbBadCSR, "the CSR's common name %q is not an identifier of the order", cn)
		}
		got[id] = true
	}
	var extra, missing []string
	for id := range got {
		if !want[id] {
			extra = append(extra, fmt.Sprintf("%q", id.Value))
		}
	}
	for id := range want {
		if !got[id] {
			missing = append(missing, fmt.Sprintf("%q", id.Value))
		}
	}
	slices.Sort(extra)
	slices.Sort(missing)
	if len(extra) > 0 {
		return problem(ProbBadCSR, "the CSR names %s, not in the order", strings.Join(extra, ", "))
	}
	if len(missing) > 0 {
		return problem(ProbBadCSR, "the CSR leaves out %s of the order", strings.Join(missing, ", "))
	}
	return nil
}

// signProblem maps what signing or the commit refused to a problem.
func signProblem(err error) error {
	var p *Problem
	switch {
	case errors.As(err, &p):
		return p
	case errors.Is(err, policies.ErrRefused):
		var ref *policies.Refusal
		if errors.As(err, &ref) && len(ref.Violations) > 0 && strings.HasPrefix(ref.Violations[0].Rule, "key") {
			return problem(ProbBadCSR, "the policy refuses the CSR's key: %v", err)
		}
		return refusal(err, "the policy")
	case errors.Is(err, store.ErrKeyRevoked):
		return problem(ProbBadCSR, "the CSR's key is revoked (compromised): %v", err)
	case errors.Is(err, store.ErrCSRRejected):
		return problem(ProbBadCSR, "this CSR was rejected (`localca revoke --csr`): %v", err)
	case errors.Is(err, store.ErrIssuerRevoked), errors.Is(err, ca.ErrIntermediateRevoked):
		return problem(ProbUnauthorized, "the CA's intermediate is revoked; it issues nothing more")
	case errors.Is(err, ca.ErrCSRRequestsCA), errors.Is(err, ca.ErrWeakSignature), errors.Is(err, ca.ErrBadCSR):
		return problem(ProbBadCSR, "%v", err)
	}
	return err
}

// certificate is RFC 8555 7.4.2: the leaf and the intermediate, PEM.
func (s *Server) certificate(w http.ResponseWriter, r *http.Request, q *request) error {
	serialHex := r.PathValue("serial")
	serial, err := hex.DecodeString(serialHex)
	if err != nil {
		return problem(ProbMalformed, "no certificate %q", serialHex).withStatus(http.StatusNotFound)
	}
	var c *store.Cert
	err = s.cfg.Storage.View(func(tx Tx) error {
		var ref certRef
		if err := getJSON(tx, keyCert(serialHex), &ref); err != nil {
			return err
		}
		if ref.Account != q.account.ID {
			return problem(ProbUnauthorized, "certificate %s belongs to another account", serialHex)
		}
		var err error
		c, err = tx.Cert(serial)
		return err
	})
	if isNotFound(err) || errors.Is(err, store.ErrNotFound) {
		return problem(ProbMalformed, "no certificate %q", serialHex).withStatus(http.StatusNotFound)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pem-certificate-chain")
	w.WriteHeader(http.StatusOK)
	w.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER}))
	w.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.cfg.CA.Intermediate().Raw}))
	return nil
}
