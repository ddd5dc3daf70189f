package ca

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/localca/localca/store"
)

// Token limits: a token is a short-lived credential, one-time unless it
// is a read token.
const (
	DefaultTokenTTL = time.Hour
	MaxTokenTTL     = 30 * 24 * time.Hour
	tokenPrefix     = "lca_"
)

// What a token is for. A sign or revoke token passes once; a read token
// (for pages and listings) until it expires.
const (
	TokenSign   = "sign"
	TokenRevoke = "revoke"
	TokenRead   = "read"
)

// TokenPurposes are the values of TokenRequest.For.
func TokenPurposes() []string { return []string{TokenSign, TokenRevoke, TokenRead} }

// TokenRequest describes a token to make.
type TokenRequest struct {
	// Name says who or what the token is for (shown in the server's log).
	Name string
	// For is TokenSign (when empty), TokenRevoke or TokenRead.
	For string
	// Allow are the names a sign token may sign and a revoke token may
	// revoke (every name of the certificate must match one): "a.test", an
	// IP, "*.dev.test" (any name under dev.test), "spiffe://x/*" (a URI
	// prefix), or "*" (any name: the policy alone decides). Required for
	// sign and revoke tokens; a read token takes none.
	Allow []string
	// TTL is the lifetime; 0 means DefaultTokenTTL.
	TTL time.Duration
}

// CreateToken makes a token for the CA's HTTP endpoints. It returns the
// secret, which is shown once: the store keeps only its SHA-256, so a copy
// of the store cannot be used to authenticate.
func (c *CA) CreateToken(req TokenRequest) (string, *store.Token, error) {
	name := strings.TrimSpace(req.Name)
	if name == "" {
		return "", nil, fmt.Errorf("%w: a token needs a name (who or what it is for)", ErrBadToken)
	}
	purpose := req.For
	if purpose == "" {
		purpose = TokenSign
	}
	if !slices.Contains(TokenPurposes(), purpose) {
		return "", nil, fmt.Errorf("%w: for %q: want one of %s", ErrBadToken, purpose, strings.Join(TokenPurposes(), ", "))
	}
	allow, err := tokenPatterns(purpose, req.Allow)
	if err != nil {
		return "", nil, err
	}
	ttl := req.TTL
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	if ttl < 0 || ttl > MaxTokenTTL {
		return "", nil, fmt.Errorf("%w: lifetime %s is outside 1s to %s", ErrBadToken, ttl, MaxTokenTTL)
	}
	raw := make([]byte, 32)
	if _, err := io.ReadFull(c.opts.Rand, raw); err != nil {
		return "", nil, fmt.Errorf("ca: reading random token: %w", err)
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	now := c.opts.Now().UTC()
	t := &store.Token{Hash: tokenHash(secret), Name: name, For: purpose, Allow: allow, Created: now, Expires: now.Add(ttl)}
	if err := c.st.PutToken(t); err != nil {
		return "", nil, fmt.Errorf("ca: storing token %q: %w", name, err)
	}
	return secret, t, nil
}

// tokenPatterns checks and normalises the Allow list of a new token.
func tokenPatterns(purpose string, in []string) ([]string, error) {
	if purpose == TokenRead {
		if len(in) > 0 {
			return nil, fmt.Errorf("%w: a read token takes no names (it reads, and names nothing)", ErrBadToken)
		}
		return nil, nil
	}
	if len(in) == 0 {
		return nil, fmt.Errorf("%w: a %s token needs the names it may %s (--allow 'app.test', '*.dev.test', or '*' for any the policy allows)", ErrBadToken, purpose, purpose)
	}
	var out []string
	for _, p := range in {
		p = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(p), "."))
		switch rest, wild := strings.CutPrefix(p, "*."); {
		case p == "*":
		case p == "" || strings.ContainsAny(p, " \t\r\n"):
			return nil, fmt.Errorf("%w: allow pattern %q is empty or has spaces", ErrBadToken, p)
		case wild && (rest == "" || strings.Contains(rest, "*")):
			return nil, fmt.Errorf("%w: allow pattern %q: '*.' needs a domain after it", ErrBadToken, p)
		case !wild && strings.Contains(strings.TrimSuffix(p, "*"), "*"),
			!wild && strings.HasSuffix(p, "*") && !strings.Contains(p, "://"):
			return nil, fmt.Errorf("%w: allow pattern %q: '*' only as a leading \"*.\" label, or at the end of a URI", ErrBadToken, p)
		}
		out = append(out, p)
	}
	return out, nil
}

// tokenAllows reports whether name matches one of the token's patterns.
func tokenAllows(t *store.Token, name string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if ip := net.ParseIP(name); ip != nil {
		name = ip.String()
	}
	for _, p := range t.Allow {
		switch rest, wild := strings.CutPrefix(p, "*."); {
		case p == "*":
			return true
		case wild:
			if strings.HasSuffix(name, "."+rest) {
				return true
			}
		case strings.HasSuffix(p, "*"):
			if strings.HasPrefix(name, strings.TrimSuffix(p, "*")) {
				return true
			}
		case net.ParseIP(p) != nil:
			if net.ParseIP(p).String() == name {
				return true
			}
		case p == name:
			return true
		}
	}
	return false
}

// checkToken finds the token and checks, without spending it, that it is
// unexpired, unused, for purpose and allows every name. A token for
// another purpose or name is ErrTokenScope: it stays good for its own.
func (c *CA) checkToken(secret, purpose string, names []string) (*store.Token, error) {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return nil, fmt.Errorf("%w: no token given", store.ErrTokenInvalid)
	}
	t, err := c.st.Token(tokenHash(secret))
	if err != nil {
		return nil, fmt.Errorf("ca: %w", err)
	}
	now := c.opts.Now()
	switch {
	case t.For == "":
		return nil, fmt.Errorf("%w: token %q was made by an older localca without a purpose: make a new one with --for and --allow", ErrTokenScope, t.Name)
	case t.For != purpose:
		return nil, fmt.Errorf("%w: token %q is a %s token, not a %s token", ErrTokenScope, t.Name, t.For, purpose)
	case !t.Used.IsZero():
		return nil, fmt.Errorf("%w: token %q was already used at %s", store.ErrTokenInvalid, t.Name, t.Used.Format(time.RFC3339))
	case now.After(t.Expires):
		return nil, fmt.Errorf("%w: token %q expired at %s", store.ErrTokenInvalid, t.Name, t.Expires.Format(time.RFC3339))
	}
	for _, n := range names {
		if !tokenAllows(t, n) {
			return nil, fmt.Errorf("%w: token %q does not allow %q (it allows %s)", ErrTokenScope, t.Name, n, strings.Join(t.Allow, ", "))
		}
	}
	return t, nil
}

// spendToken checks that a sign or revoke token allows purpose for every
// one of names, then marks it used in one transaction: it passes once,
// before it expires. An unknown, used or expired token fails with
// store.ErrTokenInvalid, one for another purpose or name with
// ErrTokenScope; either way nothing changes.
func (c *CA) spendToken(secret, purpose string, names []string) (*store.Token, error) {
	if purpose == TokenRead {
		return nil, fmt.Errorf("%w: read tokens are not spent (CheckReadToken)", ErrBadToken)
	}
	if _, err := c.checkToken(secret, purpose, names); err != nil {
		return nil, err
	}
	t, err := c.st.UseToken(tokenHash(strings.TrimSpace(secret)), c.opts.Now())
	if err != nil {
		return nil, fmt.Errorf("ca: %w", err)
	}
	return t, nil
}

// CheckReadToken checks a read token (for a page or a listing): it passes
// until it expires and is never spent. Other tokens fail with
// ErrTokenScope, unknown or expired ones with store.ErrTokenInvalid. It
// only reads the store.
func (c *CA) CheckReadToken(secret string) (*store.Token, error) {
	return c.checkToken(secret, TokenRead, nil)
}

func tokenHash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}
