package ca_test

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// A sign token signs only the names its patterns allow; a refusal leaves
// it good for those.
func TestServerSignTokenScope(t *testing.T) {
	s := newTestServer(t, 0)
	tok := s.scopedToken(t, ca.TokenSign, "*.dev.test", "api.test")
	key := newKey(t, "ecdsa-p256")
	tests := []struct {
		name   string
		names  []string
		status int
	}{
		{"outside the patterns", []string{"www.other.test"}, http.StatusForbidden},
		{"one name of two outside", []string{"a.dev.test", "evil.test"}, http.StatusForbidden},
		{"the wildcard's own domain", []string{"dev.test"}, http.StatusForbidden},
		{"inside", []string{"a.dev.test", "API.test"}, http.StatusCreated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			csr := csrPEM(t, key, &x509.CertificateRequest{DNSNames: tt.names})
			r := s.do(t, http.MethodPost, "/sign", tok, csr)
			if r.status != tt.status {
				t.Fatalf("/sign %v: %d %s, want %d", tt.names, r.status, r.body, tt.status)
			}
			if tt.status == http.StatusForbidden && !strings.Contains(r.jsonError(), "does not allow") {
				t.Errorf("refusal does not say why: %s", r.body)
			}
		})
	}
}

// A revoke token revokes only certificates all of whose names it allows,
// and never the server's own TLS certificate or an OCSP responder's.
func TestServerRevokeProtected(t *testing.T) {
	r := newRevCA(t)
	own, err := r.TLSCertificate("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	responder, err := ca.NewResponder(r.CA, ca.ResponderOptions{}).Certificate(r.st)
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := r.CreateToken(ca.TokenRequest{Name: "any", For: ca.TokenRevoke, Allow: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	addr, client, _ := serveTLS(t, r, own)
	for name, cert := range map[string]*x509.Certificate{"serve's own": own.Leaf, "the OCSP responder's": responder} {
		body, _ := json.Marshal(map[string]string{"serial": hex.EncodeToString(cert.SerialNumber.Bytes())})
		req, _ := http.NewRequest(http.MethodPost, "https://"+addr+"/revoke", strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("/revoke of %s certificate: %d, want 403", name, resp.StatusCode)
		}
	}
}

// A read token passes until it expires and is never spent; other tokens
// are not read tokens.
func TestReadToken(t *testing.T) {
	r := newRevCA(t)
	read, _, err := r.CreateToken(ca.TokenRequest{Name: "page", For: ca.TokenRead, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	sign, _, err := r.CreateToken(ca.TokenRequest{Name: "ci", Allow: []string{"a.test"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := r.CheckReadToken(read); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	if _, err := r.CheckReadToken(sign); !errors.Is(err, ca.ErrTokenScope) {
		t.Errorf("a sign token as a read token: %v", err)
	}
	if _, err := r.SpendToken(read, ca.TokenSign, []string{"a.test"}); !errors.Is(err, ca.ErrTokenScope) {
		t.Errorf("a read token at /sign: %v", err)
	}
	r.clock.Advance(2 * time.Minute)
	if _, err := r.CheckReadToken(read); !errors.Is(err, store.ErrTokenInvalid) {
		t.Errorf("an expired read token: %v", err)
	}
	for _, bad := range []ca.TokenRequest{
		{Name: "x"}, // a sign token without names
		{Name: "x", For: ca.TokenRevoke},
		{Name: "x", For: ca.TokenRead, Allow: []string{"a.test"}},
		{Name: "x", For: "admin", Allow: []string{"*"}},
		{Name: "x", Allow: []string{"a*.test"}},
		{Name: "x", Allow: []string{"*.*.test"}},
	} {
		if _, _, err := r.CreateToken(bad); !errors.Is(err, ca.ErrBadToken) {
			t.Errorf("CreateToken(%+v): %v, want ErrBadToken", bad, err)
		}
	}
}
