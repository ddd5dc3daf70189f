package ca

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
)

// The token-authorised endpoints check everything they can before they
// spend the token: a malformed CSR, a name the policy refuses, an unknown
// serial or a second revocation is refused with the token still good, so
// the caller can fix the request and retry. The token is spent (one
// transaction in the store) just before the change is made.

// sign is POST /sign: a CSR in, the PEM chain (leaf, intermediate) out.
func (s *Server) sign(w http.ResponseWriter, r *http.Request) {
	tok, raw, ok := s.tokenAndBody(w, r, " (make one with `localca token create --name NAME --allow NAME`)")
	if !ok {
		return
	}
	csr, err := ParseCSR(raw)
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	opts := SignOptions{Profile: r.URL.Query().Get("profile")}
	s.withCA(w, r, func(c *CA) {
		rec, key, err := csrRecord(csr)
		if err == nil {
			err = c.usable(true) // revoked by another process meanwhile?
		}
		if err == nil {
			err = c.refuseRevoked(store.Record{Key: key, CSR: rec})
		}
		var d *policies.Decision
		if err == nil {
			d, err = c.opts.Policy.Check(policies.RequestFromCSR(csr, opts.Profile))
		}
		if err != nil {
			s.fail(w, r, statusOf(err), fmt.Errorf("ca: signing CSR for %q: %w", firstName(csr), err))
			return
		}
		// The names as they will be issued (lower case, the CN among them).
		t, err := c.spendToken(tok, TokenSign, d.Names())
		if err != nil {
			s.fail(w, r, statusOf(err), err)
			return
		}
		iss, err := c.SignRequest(csr, opts)
		if err != nil {
			s.fail(w, r, statusOf(err), err)
			return
		}
		s.cfg.Log.Printf("signed %s for %q (token %q), serial %s", iss.Record.Profile, firstName(csr), t.Name, iss.Record.SerialHex())
		w.Header().Set("Content-Type", "application/pem-certificate-chain")
		w.Header().Set("X-Localca-Serial", iss.Record.SerialHex())
		w.WriteHeader(http.StatusCreated)
		w.Write(iss.ChainPEM())
	})
}

// revoke is POST /revoke with {"serial": "…", "reason": "keyCompromise"}.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	tok, raw, ok := s.tokenAndBody(w, r, "")
	if !ok {
		return
	}
	var req revokeRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(&req)
	if err == nil {
		if _, more := dec.Token(); more != io.EOF {
			err = errors.New("trailing data after the JSON object")
		}
	}
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, fmt.Errorf(`body must be one JSON {"serial": "…", "reason": "…"}: %v`, err))
		return
	}
	serial, err := ParseSerial(req.Serial)
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	reason, err := ParseReason(req.Reason)
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	s.withCA(w, r, func(c *CA) {
		cur, err := c.st.Cert(serial)
		if err == nil && cur.Status == store.CertRevoked {
			err = fmt.Errorf("%w: certificate %X (at %s)", store.ErrAlreadyRevoked, serial, cur.RevokedAt.Format("2006-01-02T15:04:05Z07:00"))
		}
		if err == nil {
			err = s.protected(cur)
		}
		if err != nil {
			s.fail(w, r, statusOf(err), fmt.Errorf("ca: revoking %X: %w", serial, err))
			return
		}
		t, err := c.spendToken(tok, TokenRevoke, cur.Names)
		if err != nil {
			s.fail(w, r, statusOf(err), err)
			return
		}
		rec, err := c.RevokeCert(serial, reason)
		if err != nil {
			s.fail(w, r, statusOf(err), err)
			return
		}
		s.cfg.Log.Printf("revoked %s (reason %q, token %q)", rec.SerialHex(), ReasonName(rec.Reason), t.Name)
		writeJSON(w, http.StatusOK, RevokeResponse{Serial: FormatSerial(rec.Serial), RevokedAt: rec.RevokedAt, Reason: ReasonName(rec.Reason)})
	})
}

// protected refuses a /revoke of a certificate the server itself relies on
// (its TLS certificate, an OCSP responder's), and of one without names,
// which no token's patterns can speak for.
func (s *Server) protected(cur *store.Cert) error {
	switch {
	case cur.Profile == ProfileOCSP:
		return fmt.Errorf("%w: %x is an OCSP responder's certificate (localca revoke %x)", ErrProtectedCert, cur.Serial, cur.Serial)
	case s.isOwn(cur.Serial):
		return fmt.Errorf("%w: %x is this server's own TLS certificate (localca revoke %x)", ErrProtectedCert, cur.Serial, cur.Serial)
	case len(cur.Names) == 0:
		return fmt.Errorf("%w: %x has no names for a token to allow (localca revoke %x)", ErrProtectedCert, cur.Serial, cur.Serial)
	}
	return nil
}

// tokenAndBody reads a token-authorised request: its bearer token and its
// body. Without a token it answers 401 (the message ending in hint) and
// ok is false, as it is when the body cannot be read (readBody answered).
func (s *Server) tokenAndBody(w http.ResponseWriter, r *http.Request, hint string) (tok string, body []byte, ok bool) {
	if tok, ok = bearer(r); !ok {
		s.fail(w, r, http.StatusUnauthorized, errors.New("missing Authorization: Bearer TOKEN"+hint))
		return "", nil, false
	}
	body, ok = s.readBody(w, r)
	return tok, body, ok
}
