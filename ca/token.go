package ca

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/localca/localca/store"
)

// Token limits: a token is a short-lived, one-time credential.
const (
	DefaultTokenTTL = time.Hour
	MaxTokenTTL     = 30 * 24 * time.Hour
	tokenPrefix     = "lca_"
)

// CreateToken makes a one-time token for the CA's HTTP endpoints (/sign,
// /revoke), valid for ttl (0 means DefaultTokenTTL). It returns the secret,
// which is shown once: the store keeps only its SHA-256, so a copy of the
// store cannot be used to authenticate.
func (c *CA) CreateToken(name string, ttl time.Duration) (string, *store.Token, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, fmt.Errorf("%w: a token needs a name (who or what it is for)", ErrBadToken)
	}
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
	t := &store.Token{Hash: tokenHash(secret), Name: name, Created: now, Expires: now.Add(ttl)}
	if err := c.st.PutToken(t); err != nil {
		return "", nil, fmt.Errorf("ca: storing token %q: %w", name, err)
	}
	return secret, t, nil
}

// spendToken checks a token and marks it used in one transaction: it passes
// once, before it expires. An unknown, used or expired token fails with
// store.ErrTokenInvalid and changes nothing.
func (c *CA) spendToken(secret string) (*store.Token, error) {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return nil, fmt.Errorf("%w: no token given", store.ErrTokenInvalid)
	}
	t, err := c.st.UseToken(tokenHash(secret), c.opts.Now())
	if err != nil {
		return nil, fmt.Errorf("ca: %w", err)
	}
	return t, nil
}

func tokenHash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}
