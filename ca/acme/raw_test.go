package acme_test

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// rawClient speaks ACME by hand (JWS from go-jose), so tests can send what
// no real client would.
type rawClient struct {
	ts  *testServer
	key crypto.Signer
	kid string // account URL once registered
}

func (ts *testServer) rawClient(t testing.TB) *rawClient {
	return &rawClient{ts: ts, key: newECKey(t)}
}

func (c *rawClient) nonce(t testing.TB) string {
	t.Helper()
	resp, err := c.ts.client.Head(c.ts.base + "/acme/new-nonce")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	n := resp.Header.Get("Replay-Nonce")
	if n == "" {
		t.Fatal("no Replay-Nonce from new-nonce")
	}
	return n
}

// jwsOpts changes what sign puts in a JWS.
type jwsOpts struct {
	alg      jose.SignatureAlgorithm // default ES256
	key      any                     // default c.key
	nonce    string                  // default a fresh one
	url      string                  // default the URL posted to
	embedJWK bool                    // default: jwk before registration, kid after
}

// sign makes a flattened JWS of payload for url.
func (c *rawClient) sign(t testing.TB, url string, payload []byte, o jwsOpts) []byte {
	t.Helper()
	if o.alg == "" {
		o.alg = jose.ES256
	}
	if o.key == nil {
		o.key = c.key
	}
	if o.nonce == "" {
		o.nonce = c.nonce(t)
	}
	if o.url == "" {
		o.url = url
	}
	so := &jose.SignerOptions{EmbedJWK: c.kid == "" || o.embedJWK, ExtraHeaders: map[jose.HeaderKey]any{
		"url": o.url, jose.HeaderKey("nonce"): o.nonce}}
	if !so.EmbedJWK {
		so.ExtraHeaders["kid"] = c.kid
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: o.alg, Key: o.key}, so)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out := []byte(jws.FullSerialize())
	if len(payload) == 0 { // POST-as-GET: go-jose leaves the empty payload out; RFC 8555 6.3 sends ""
		var m map[string]any
		json.Unmarshal(out, &m)
		m["payload"] = ""
		out, _ = json.Marshal(m)
	}
	return out
}

// response is an answer of the server, with its problem type if any.
type response struct {
	status  int
	header  http.Header
	body    []byte
	problem string
}

func (c *rawClient) postRaw(t testing.TB, url string, body []byte) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/jose+json")
	resp, err := c.ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := response{status: resp.StatusCode, header: resp.Header, body: b}
	if resp.Header.Get("Content-Type") == "application/problem+json" {
		var p struct{ Type string }
		json.Unmarshal(b, &p)
		r.problem = p.Type
	}
	if resp.Header.Get("Replay-Nonce") == "" {
		t.Errorf("POST %s: no Replay-Nonce in the response", url)
	}
	return r
}

func (c *rawClient) post(t testing.TB, url string, payload any, o jwsOpts) response {
	t.Helper()
	var raw []byte
	switch p := payload.(type) {
	case nil:
	case []byte:
		raw = p
	default:
		var err error
		if raw, err = json.Marshal(p); err != nil {
			t.Fatal(err)
		}
	}
	return c.postRaw(t, url, c.sign(t, url, raw, o))
}

// register makes the account and remembers its URL.
func (c *rawClient) register(t testing.TB) {
	t.Helper()
	r := c.post(t, c.ts.base+"/acme/new-account", map[string]any{"termsOfServiceAgreed": true}, jwsOpts{})
	if r.status != http.StatusCreated {
		t.Fatalf("new account: %d %s", r.status, r.body)
	}
	c.kid = r.header.Get("Location")
}

// newOrder orders names and returns the order's URL and body.
func (c *rawClient) newOrder(t testing.TB, names ...string) (string, map[string]any) {
	t.Helper()
	var ids []map[string]string
	for _, n := range names {
		ids = append(ids, map[string]string{"type": "dns", "value": n})
	}
	r := c.post(t, c.ts.base+"/acme/new-order", map[string]any{"identifiers": ids}, jwsOpts{})
	if r.status != http.StatusCreated {
		t.Fatalf("new order: %d %s", r.status, r.body)
	}
	var o map[string]any
	json.Unmarshal(r.body, &o)
	return r.header.Get("Location"), o
}

// authz reads an authorization.
func (c *rawClient) authz(t testing.TB, url string) map[string]any {
	t.Helper()
	r := c.post(t, url, nil, jwsOpts{})
	if r.status != http.StatusOK {
		t.Fatalf("authz: %d %s", r.status, r.body)
	}
	var a map[string]any
	json.Unmarshal(r.body, &a)
	return a
}

// challenge returns the URL and token of an authorization's challenge.
func challenge(t testing.TB, authz map[string]any, typ string) (url, token string) {
	t.Helper()
	for _, ch := range authz["challenges"].([]any) {
		m := ch.(map[string]any)
		if m["type"] == typ {
			return m["url"].(string), m["token"].(string)
		}
	}
	t.Fatalf("no %s challenge in %v", typ, authz)
	return "", ""
}

// thumbprint is the account key's RFC 7638 thumbprint.
func (c *rawClient) thumbprint(t testing.TB) string {
	t.Helper()
	jwk := jose.JSONWebKey{Key: c.key.Public()}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(tp)
}
