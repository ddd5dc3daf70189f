package acme

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/localca/localca/ca/acme/va"
)

// authzJSON is an authorization as RFC 8555 7.1.4 shows it.
func (s *Server) authzJSON(a *Authz) map[string]any {
	chs := make([]map[string]any, len(a.Challenges))
	for i := range a.Challenges {
		chs[i] = s.challJSON(a, &a.Challenges[i])
	}
	out := map[string]any{"identifier": a.Identifier, "status": a.Status,
		"expires": a.Expires.Format(time.RFC3339), "challenges": chs}
	if a.Wildcard {
		out["wildcard"] = true
	}
	return out
}

func (s *Server) challJSON(a *Authz, c *Challenge) map[string]any {
	out := map[string]any{"type": c.Type, "url": s.challURL(a.ID, c.Type), "token": c.Token, "status": c.Status}
	if !c.Validated.IsZero() {
		out["validated"] = c.Validated.Format(time.RFC3339)
	}
	if c.Error != nil {
		out["error"] = c.Error
	}
	return out
}

// loadAuthz reads an authorization of q's account.
func (s *Server) loadAuthz(id string, q *request) (*Authz, error) {
	var a Authz
	err := s.cfg.Storage.View(func(tx Tx) error { return getJSON(tx, keyAuthz(id), &a) })
	if err := q.owns("authorization", id, a.AccountID, err); err != nil {
		return nil, err
	}
	s.authzStatus(&a)
	return &a, nil
}

// authz is POST-as-GET of an authorization, or its deactivation (RFC 8555
// 7.5.2).
func (s *Server) authz(w http.ResponseWriter, r *http.Request, q *request) error {
	a, err := s.loadAuthz(r.PathValue("id"), q)
	if err != nil {
		return err
	}
	if !q.postAsGet() {
		var p struct {
			Status string `json:"status"`
		}
		if err := decode(q.payload, &p); err != nil {
			return err
		}
		if p.Status != StatusDeactivated {
			return problem(ProbMalformed, "an authorization's status can only be set to deactivated")
		}
		err := s.cfg.Storage.Update(func(tx Tx) error {
			if err := getJSON(tx, keyAuthz(a.ID), a); err != nil {
				return err
			}
			if a.Status != StatusPending && a.Status != StatusValid {
				return problem(ProbMalformed, "authorization %s is %s", a.ID, a.Status)
			}
			a.Status = StatusDeactivated
			if err := putJSON(tx, keyAuthz(a.ID), a); err != nil {
				return err
			}
			return tx.Event("acme.authz.deactivated", a.ID, "")
		})
		if err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, s.authzJSON(a))
	return nil
}

// challenge is RFC 8555 7.5.1: POST-as-GET reads it, a POST of {} asks the
// server to validate it. Validation runs in the background; the client
// polls the authorization.
func (s *Server) challenge(w http.ResponseWriter, r *http.Request, q *request) error {
	a, err := s.loadAuthz(r.PathValue("id"), q)
	if err != nil {
		return err
	}
	typ := r.PathValue("type")
	idx := -1
	for i, c := range a.Challenges {
		if c.Type == typ {
			idx = i
		}
	}
	if idx < 0 {
		return problem(ProbMalformed, "authorization %s has no %q challenge", a.ID, typ).withStatus(http.StatusNotFound)
	}
	if !q.postAsGet() {
		var p map[string]any
		if err := decode(q.payload, &p); err != nil {
			return err
		}
		start := false
		err := s.cfg.Storage.Update(func(tx Tx) error {
			if err := getJSON(tx, keyAuthz(a.ID), a); err != nil {
				return err
			}
			s.authzStatus(a)
			c := &a.Challenges[idx]
			if a.Status != StatusPending || c.Status != StatusPending {
				return nil // already under way or done: answer with its state (idempotent)
			}
			for i := range a.Challenges {
				if i != idx && a.Challenges[i].Status == StatusProcessing {
					return nil
				}
			}
			c.Status, start = StatusProcessing, true
			return putJSON(tx, keyAuthz(a.ID), a)
		})
		if err != nil {
			return err
		}
		if start {
			s.wg.Add(1)
			go s.validate(a.ID, idx, q.account.Thumbprint)
		}
	}
	w.Header().Add("Link", link(s.authzURL(a.ID), "up"))
	writeJSON(w, http.StatusOK, s.challJSON(a, &a.Challenges[idx]))
	return nil
}

// validate runs one challenge's validation and records the outcome: the
// challenge and its authorization valid, or both invalid with the problem.
func (s *Server) validate(authzID string, idx int, thumb string) {
	defer s.wg.Done()
	s.sem <- struct{}{}
	defer func() { <-s.sem }()
	var a Authz
	if err := s.cfg.Storage.View(func(tx Tx) error { return getJSON(tx, keyAuthz(authzID), &a) }); err != nil {
		s.cfg.Log.Printf("acme: validating authorization %s: %v", authzID, err)
		return
	}
	c := a.Challenges[idx]
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ValidationTimeout)
	verr := s.cfg.Validator.Validate(ctx, c.Type, a.Identifier.Type, a.Identifier.Value, c.Token, c.Token+"."+thumb)
	cancel()
	now := s.cfg.Now().UTC()
	err := s.cfg.Storage.Update(func(tx Tx) error {
		if err := getJSON(tx, keyAuthz(authzID), &a); err != nil {
			return err
		}
		c := &a.Challenges[idx]
		if c.Status != StatusProcessing {
			return nil
		}
		outcome := "valid"
		if verr == nil {
			c.Status, c.Validated, a.Status = StatusValid, now, StatusValid
		} else {
			c.Status, c.Error, a.Status = StatusInvalid, validationProblem(verr), StatusInvalid
			outcome = "invalid: " + c.Error.Detail
		}
		if err := putJSON(tx, keyAuthz(authzID), &a); err != nil {
			return err
		}
		return tx.Event("acme.validation", authzID, fmt.Sprintf("%s %s:%q order %s %s", c.Type, a.Identifier.Type, a.Identifier.Value, a.OrderID, outcome))
	})
	if err != nil {
		s.cfg.Log.Printf("acme: recording the validation of authorization %s: %v", authzID, err)
		return
	}
	if verr != nil {
		s.cfg.Log.Printf("acme: %s for %q failed: %v", c.Type, a.Identifier.Value, verr)
	}
}

// validationProblem maps a validation error (va's sentinels) to its
// problem type.
func validationProblem(err error) *Problem {
	kind := ProbIncorrectResponse
	switch {
	case errors.Is(err, va.ErrConnection):
		kind = ProbConnection
	case errors.Is(err, va.ErrDNS):
		kind = ProbDNS
	case errors.Is(err, va.ErrTLS):
		kind = ProbTLS
	case errors.Is(err, va.ErrUnsupported):
		kind = ProbMalformed
	}
	return problem(kind, "%v", err)
}
