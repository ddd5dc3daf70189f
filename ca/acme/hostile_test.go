package acme_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// readyOrder orders name and passes its http-01 challenge, returning the
// order's finalize URL once the order is ready.
func (c *rawClient) readyOrder(t testing.TB, name string) string {
	t.Helper()
	orderURL, o := c.newOrder(t, name)
	authzURL := o["authorizations"].([]any)[0].(string)
	chURL, token := challenge(t, c.authz(t, authzURL), "http-01")
	c.ts.tokens.Store(token, token+"."+c.thumbprint(t))
	if r := c.post(t, chURL, map[string]any{}, jwsOpts{}); r.status != 200 {
		t.Fatalf("challenge: %d %s", r.status, r.body)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if st := c.authz(t, authzURL)["status"]; st == "valid" {
			r := c.post(t, orderURL, nil, jwsOpts{})
			var cur map[string]any
			json.Unmarshal(r.body, &cur)
			if cur["status"] != "ready" {
				t.Fatalf("order is %v after its authorization is valid", cur["status"])
			}
			return o["finalize"].(string)
		} else if st != "pending" {
			t.Fatalf("authorization %v", st)
		}
	}
	t.Fatal("the authorization stayed pending")
	return ""
}

func csrPayload(t testing.TB, names ...string) map[string]string {
	t.Helper()
	der, err := x509.CreateCertificateRequest(nil, &x509.CertificateRequest{Subject: pkix.Name{CommonName: names[0]}, DNSNames: names}, newECKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"csr": base64.RawURLEncoding.EncodeToString(der)}
}

// TestHostile sends what a hostile or broken client would: each request
// gets its RFC 8555 problem type, and nothing stored changes.
func TestHostile(t *testing.T) {
	cases := []struct {
		name string
		want string
		// prepare sets up state and returns the hostile request, which
		// runs after the snapshot.
		prepare func(t *testing.T, ts *testServer, c *rawClient) func() response
	}{
		{"alg none", "badSignatureAlgorithm", func(t *testing.T, ts *testServer, c *rawClient) func() response {
			url := ts.base + "/acme/new-account"
			jwk, _ := json.Marshal(jose.JSONWebKey{Key: c.key.Public()})
			prot, _ := json.Marshal(map[string]any{"alg": "none", "jwk": json.RawMessage(jwk), "nonce": c.nonce(t), "url": url})
			body, _ := json.Marshal(map[string]string{"protected": base64.RawURLEncoding.EncodeToString(prot),
				"payload": base64.RawURLEncoding.EncodeToString([]byte(`{"termsOfServiceAgreed":true}`)), "signature": ""})
			return func() response { return c.postRaw(t, url, body) }
		}},
		{"HS256 outside an EAB", "badSignatureAlgorithm", func(t *testing.T, ts *testServer, c *rawClient) func() response {
			c.register(t)
			return func() response {
				return c.post(t, ts.base+"/acme/new-order", map[string]any{"identifiers": []any{map[string]string{"type": "dns", "value": "a.localhost"}}},
					jwsOpts{alg: jose.HS256, key: []byte("0123456789abcdef0123456789abcdef")})
			}
		}},
		{"reused nonce", "badNonce", func(t *testing.T, ts *testServer, c *rawClient) func() response {
			c.register(t)
			n := c.nonce(t)
			if r := c.post(t, c.kid, nil, jwsOpts{nonce: n}); r.status != 200 {
				t.Fatalf("first use of the nonce: %d %s", r.status, r.body)
			}
			return func() response {
				return c.post(t, ts.base+"/acme/new-order", map[string]any{"identifiers": []any{map[string]string{"type": "dns", "value": "a.localhost"}}}, jwsOpts{nonce: n})
			}
		}},
		{"wrong url header", "unauthorized", func(t *testing.T, ts *testServer, c *rawClient) func() response {
			c.register(t)
			return func() response {
				return c.post(t, ts.base+"/acme/new-order", map[string]any{"identifiers": []any{map[string]string{"type": "dns", "value": "a.localhost"}}},
					jwsOpts{url: ts.base + "/acme/new-account"})
			}
		}},
		{"payload over 64 KiB", "malformed", func(t *testing.T, ts *testServer, c *rawClient) func() response {
			c.register(t)
			return func() response {
				return c.post(t, ts.base+"/acme/new-order", map[string]any{"identifiers": []any{map[string]string{"type": "dns", "value": "a.localhost"}},
					"padding": strings.Repeat("x", 65<<10)}, jwsOpts{})
			}
		}},
		{"CSR naming an identifier not in the order", "badCSR", func(t *testing.T, ts *testServer, c *rawClient) func() response {
			c.register(t)
			fin := c.readyOrder(t, "a.localhost")
			return func() response { return c.post(t, fin, csrPayload(t, "a.localhost", "b.localhost"), jwsOpts{}) }
		}},
		{"finalize before validation", "orderNotReady", func(t *testing.T, ts *testServer, c *rawClient) func() response {
			c.register(t)
			_, o := c.newOrder(t, "a.localhost")
			return func() response { return c.post(t, o["finalize"].(string), csrPayload(t, "a.localhost"), jwsOpts{}) }
		}},
		{"challenge response for another account", "unauthorized", func(t *testing.T, ts *testServer, c *rawClient) func() response {
			c.register(t)
			_, o := c.newOrder(t, "a.localhost")
			chURL, _ := challenge(t, c.authz(t, o["authorizations"].([]any)[0].(string)), "http-01")
			other := ts.rawClient(t)
			other.register(t)
			return func() response { return other.post(t, chURL, map[string]any{}, jwsOpts{}) }
		}},
	}
	for _, kind := range []storageKind{inStore, inMemory} {
		ts := newTestServer(t, kind)
		for _, tc := range cases {
			t.Run(kind.String()+"/"+tc.name, func(t *testing.T) {
				c := ts.rawClient(t)
				hostile := tc.prepare(t, ts, c)
				ts.acme.Wait()
				before := ts.snapshot()
				r := hostile()
				if r.problem != "urn:ietf:params:acme:error:"+tc.want {
					t.Errorf("got %d %q (%s), want problem %s", r.status, r.problem, r.body, tc.want)
				}
				ts.acme.Wait()
				if after := ts.snapshot(); after != before {
					t.Errorf("the refused request changed the store:\nbefore:\n%s\nafter:\n%s", before, after)
				}
			})
		}
	}
}

// TestWeakCSRKey: a CSR whose key the policy refuses gets badCSR naming
// the key rule, not rejectedIdentifier, and nothing is stored.
func TestWeakCSRKey(t *testing.T) {
	ts := newTestServer(t, inStore)
	c := ts.rawClient(t)
	c.register(t)
	fin := c.readyOrder(t, "weak.localhost")
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(nil, &x509.CertificateRequest{DNSNames: []string{"weak.localhost"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	ts.acme.Wait()
	before := ts.snapshot()
	r := c.post(t, fin, map[string]string{"csr": base64.RawURLEncoding.EncodeToString(der)}, jwsOpts{})
	if r.problem != "urn:ietf:params:acme:error:badCSR" || !strings.Contains(string(r.body), "key.rsa_min_bits") {
		t.Errorf("an RSA-1024 CSR: %d %s, want badCSR naming key.rsa_min_bits", r.status, r.body)
	}
	if ts.snapshot() != before {
		t.Error("the refused finalize changed the store")
	}
}
