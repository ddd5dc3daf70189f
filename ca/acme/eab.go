package acme

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/localca/localca/policies"
)

// CreateEAB makes an external account binding key named name whose account
// may order only identifiers matching allow (the policy file's patterns:
// "host.test", "*.dev.test", ".test", "10.0.0.0/8", "127.0.0.1"). The HMAC
// key is returned once, to give to the client; the store keeps it to check
// the binding.
func CreateEAB(st Storage, name string, allow []string, now time.Time) (*EABKey, error) {
	if strings.TrimSpace(name) == "" {
		return nil, fmt.Errorf("%w: an EAB key needs a name", ErrBadEABPattern)
	}
	if len(allow) == 0 {
		return nil, fmt.Errorf("%w: give at least one --allow pattern", ErrBadEABPattern)
	}
	if err := allowPolicy(allow).Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadEABPattern, err)
	}
	k := &EABKey{KeyID: "kid-" + newID(), HMAC: make([]byte, 32), Name: name, Allow: allow, Created: now.UTC()}
	rand.Read(k.HMAC)
	kept := *k
	if sl, ok := st.(Sealer); ok {
		var err error
		if kept.HMAC, err = sl.SealSecret(keyEAB(k.KeyID), k.HMAC); err != nil {
			return nil, err
		}
	}
	err := st.Update(func(tx Tx) error {
		if err := putJSON(tx, keyEAB(k.KeyID), &kept); err != nil {
			return err
		}
		return tx.Event("acme.eab.created", "", fmt.Sprintf("%s %q allow %q", k.KeyID, name, allow))
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// HMACBase64 is the key as clients take it (base64url, no padding).
func (k *EABKey) HMACBase64() string { return base64.RawURLEncoding.EncodeToString(k.HMAC) }

// allowPolicy is a policy whose leaf profiles allow exactly the patterns:
// the policy package's matching, so EAB patterns read like policy files.
func allowPolicy(allow []string) *policies.Policy {
	var dns, ips []string
	for _, a := range allow {
		if _, _, err := net.ParseCIDR(a); err == nil || net.ParseIP(a) != nil {
			ips = append(ips, a)
		} else {
			dns = append(dns, a)
		}
	}
	rules := func() *policies.ProfileRules {
		return &policies.ProfileRules{
			Validity:  policies.ValidityRules{Default: policies.Duration(time.Hour), Max: policies.Duration(time.Hour)},
			Wildcards: true,
			DNS:       policies.NameRules{Allow: slices.Clone(dns)},
			IP:        policies.NameRules{Allow: slices.Clone(ips)},
		}
	}
	def := policies.Default()
	return &policies.Policy{Key: def.Key, Profiles: policies.Profiles{Server: rules(), Client: rules(), Peer: rules(), Intermediate: def.Profiles.Intermediate}}
}

// checkEAB verifies the externalAccountBinding of a newAccount (RFC 8555
// 7.3.4): an HS256 JWS by a key this CA made, over the account's own jwk,
// with the newAccount URL, no nonce, and a key not yet bound.
func (s *Server) checkEAB(raw json.RawMessage, accountKey *jose.JSONWebKey, url string) (*EABKey, error) {
	p, err := parseJWS(raw, eabAlgs)
	if err != nil {
		if pr, ok := err.(*Problem); ok {
			pr.Type = ProblemNS + ProbMalformed
			pr.Detail = "externalAccountBinding: " + pr.Detail
		}
		return nil, err
	}
	h := p.header
	if h.Nonce != "" {
		return nil, problem(ProbMalformed, "externalAccountBinding must not carry a nonce")
	}
	if p.url() != url {
		return nil, problem(ProbUnauthorized, "externalAccountBinding url %q is not %q", p.url(), url)
	}
	var k EABKey
	err = s.cfg.Storage.View(func(tx Tx) error { return getJSON(tx, keyEAB(h.KeyID), &k) })
	if isNotFound(err) {
		return nil, problem(ProbUnauthorized, "externalAccountBinding key id %q is unknown (make one with `localca acme eab create`)", h.KeyID)
	}
	if err != nil {
		return nil, err
	}
	hmacKey := k.HMAC
	if sl, ok := s.cfg.Storage.(Sealer); ok {
		if hmacKey, err = sl.OpenSecret(keyEAB(k.KeyID), k.HMAC); err != nil {
			return nil, err
		}
	}
	payload, err := p.jws.Verify(hmacKey)
	if err != nil {
		return nil, problem(ProbUnauthorized, "externalAccountBinding signature does not verify with key %q", h.KeyID)
	}
	var bound jose.JSONWebKey
	if err := bound.UnmarshalJSON(payload); err != nil {
		return nil, problem(ProbMalformed, "externalAccountBinding payload is not a jwk: %v", err)
	}
	t1, err1 := bound.Thumbprint(crypto.SHA256)
	t2, err2 := accountKey.Thumbprint(crypto.SHA256)
	if err1 != nil || err2 != nil || !bytes.Equal(t1, t2) {
		return nil, problem(ProbUnauthorized, "externalAccountBinding binds another key than the account's")
	}
	if k.Account != "" {
		return nil, problem(ProbUnauthorized, "externalAccountBinding key %q is already bound to an account", k.KeyID)
	}
	return &k, nil
}
