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
	secret, tok, err := r.CreateToken("ci", 0)
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

	used, err := r.SpendToken(secret)
	if err != nil || used.Name != "ci" {
		t.Fatalf("first use: %v", err)
	}
	if _, err := r.SpendToken(secret); !errors.Is(err, store.ErrTokenInvalid) {
		t.Errorf("second use: %v, want ErrTokenInvalid", err)
	}
}

func TestTokenExpiresAndRefusals(t *testing.T) {
	r := newRevCA(t)
	secret, _, err := r.CreateToken("short", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Minute + time.Second)
	if _, err := r.SpendToken(secret); !errors.Is(err, store.ErrTokenInvalid) {
		t.Errorf("expired token: %v, want ErrTokenInvalid", err)
	}
	for _, bad := range []string{"", "lca_nothing", secret + "x"} {
		if _, err := r.SpendToken(bad); !errors.Is(err, store.ErrTokenInvalid) {
			t.Errorf("token %q: %v, want ErrTokenInvalid", bad, err)
		}
	}
	tests := []struct {
		name string
		ttl  time.Duration
	}{{"", time.Hour}, {"x", -time.Second}, {"x", ca.MaxTokenTTL + time.Second}}
	for _, tt := range tests {
		if _, _, err := r.CreateToken(tt.name, tt.ttl); !errors.Is(err, ca.ErrBadToken) {
			t.Errorf("CreateToken(%q, %s): %v, want ErrBadToken", tt.name, tt.ttl, err)
		}
	}
	a, _, _ := r.CreateToken("a", 0)
	b, _, _ := r.CreateToken("a", 0)
	if a == b {
		t.Error("two tokens are equal")
	}
}
