package ca_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

func TestTokenSingleUse(t *testing.T) {
	r := newRevCA(t)
	secret, tok, err := r.CreateToken(ca.TokenRequest{Name: "ci", Allow: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Expires.Equal(r.clock.Now().Add(ca.DefaultTokenTTL)) {
		t.Errorf("expires %s, want %s after creation", tok.Expires, ca.DefaultTokenTTL)
	}
	// Only the hash is stored: the file holds the SHA-256, never the secret.
	db, err := os.ReadFile(r.path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(secret))
	if bytes.Contains(db, []byte(secret)) {
		t.Error("the store file contains the token in clear")
	}
	if !bytes.Equal(tok.Hash, sum[:]) {
		t.Errorf("stored hash %x, want SHA-256 of the secret", tok.Hash)
	}

	used, err := r.SpendToken(secret, ca.TokenSign, []string{"a.test"})
	if err != nil || used.Name != "ci" {
		t.Fatalf("first use: %v", err)
	}
	if _, err := r.SpendToken(secret, ca.TokenSign, []string{"a.test"}); !errors.Is(err, store.ErrTokenInvalid) {
		t.Errorf("second use: %v, want ErrTokenInvalid", err)
	}
}

func TestTokenExpiresAndRefusals(t *testing.T) {
	r := newRevCA(t)
	secret, _, err := r.CreateToken(ca.TokenRequest{Name: "short", Allow: []string{"*"}, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Minute + time.Second)
	if _, err := r.SpendToken(secret, ca.TokenSign, []string{"a.test"}); !errors.Is(err, store.ErrTokenInvalid) {
		t.Errorf("expired token: %v, want ErrTokenInvalid", err)
	}
	for _, bad := range []string{"", "lca_nothing", secret + "x"} {
		if _, err := r.SpendToken(bad, ca.TokenSign, nil); !errors.Is(err, store.ErrTokenInvalid) {
			t.Errorf("token %q: %v, want ErrTokenInvalid", bad, err)
		}
	}
	tests := []struct {
		name string
		ttl  time.Duration
	}{{"", time.Hour}, {"x", -time.Second}, {"x", ca.MaxTokenTTL + time.Second}}
	for _, tt := range tests {
		if _, _, err := r.CreateToken(ca.TokenRequest{Name: tt.name, Allow: []string{"*"}, TTL: tt.ttl}); !errors.Is(err, ca.ErrBadToken) {
			t.Errorf("CreateToken(%q, %s): %v, want ErrBadToken", tt.name, tt.ttl, err)
		}
	}
	a, _, _ := r.CreateToken(ca.TokenRequest{Name: "a", Allow: []string{"*"}})
	b, _, _ := r.CreateToken(ca.TokenRequest{Name: "a", Allow: []string{"*"}})
	if a == b {
		t.Error("two tokens are equal")
	}
}
