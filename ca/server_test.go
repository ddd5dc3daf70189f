package ca_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// testServer is the CA's handler on httptest, with the store closed between
// requests as in `localca serve`.
type testServer struct {
	*revCA
	url string
}

func newTestServer(t *testing.T, maxBody int64) *testServer {
	t.Helper()
	r := newRevCA(t)
	if err := r.st.Close(); err != nil { // the server opens it per request
		t.Fatal(err)
	}
	srv, err := ca.NewServer(ca.ServerConfig{
		CA:      r.CA,
		Open:    func() (*store.Store, error) { return store.Open(r.path, &store.Options{Timeout: 2 * time.Second}) },
		BaseURL: "https://ca.test:8443",
		MaxBody: maxBody,
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &testServer{revCA: r, url: hs.URL}
}

// withStore opens the store the way another localca command would, which
// works only while the server does not hold it.
func (s *testServer) withStore(t *testing.T, fn func(*ca.CA)) {
	t.Helper()
	st, err := store.Open(s.path, &store.Options{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatalf("another process cannot open the store: %v", err)
	}
	defer st.Close()
	fn(s.WithStore(st))
}

// issue issues a server certificate for name through the store, as another
// localca command would beside the server.
func (s *testServer) issue(t *testing.T, name string) *ca.Issued {
	t.Helper()
	var iss *ca.Issued
	s.withStore(t, func(c *ca.CA) {
		var err error
		if iss, err = c.Issue(ca.IssueRequest{Names: []string{name}}); err != nil {
			t.Fatal(err)
		}
	})
	return iss
}

// token is a sign token for any name the policy allows.
func (s *testServer) token(t *testing.T) string {
	t.Helper()
	return s.scopedToken(t, ca.TokenSign, "*")
}

// scopedToken is a token for purpose, allowing the patterns.
func (s *testServer) scopedToken(t *testing.T, purpose string, allow ...string) string {
	t.Helper()
	var secret string
	s.withStore(t, func(c *ca.CA) {
		var err error
		if secret, _, err = c.CreateToken(ca.TokenRequest{Name: "test", For: purpose, Allow: allow, TTL: time.Hour}); err != nil {
			t.Fatal(err)
		}
	})
	return secret
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

// jsonError is the "error" of a JSON error body, "" when there is none.
func (r reply) jsonError() string {
	var e struct{ Error string }
	if json.Unmarshal(r.body, &e) != nil {
		return ""
	}
	return e.Error
}

func (s *testServer) do(t *testing.T, method, path, token string, body []byte) reply {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

func TestServerPublishes(t *testing.T) {
	s := newTestServer(t, 0)
	tests := []struct {
		path, ctype string
		check       func([]byte) error
	}{
		{"/healthz", "text/plain; charset=utf-8", nil},
		{"/roots.pem", "application/x-pem-file", func(b []byte) error { return samePEM(b, s.Root()) }},
		{"/intermediates.pem", "application/x-pem-file", func(b []byte) error { return samePEM(b, s.Intermediate()) }},
		{"/intermediate.crt", "application/pkix-cert", func(b []byte) error {
			if !bytes.Equal(b, s.Intermediate().Raw) {
				return errors.New("not the intermediate's DER")
			}
			return nil
		}},
		{"/crl", "application/pkix-crl", func(b []byte) error { return crlFrom(b, s.Intermediate()) }},
		{"/crl/root", "application/pkix-crl", func(b []byte) error { return crlFrom(b, s.Root()) }},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := s.do(t, http.MethodGet, tt.path, "", nil)
			if r.status != http.StatusOK || r.header.Get("Content-Type") != tt.ctype {
				t.Fatalf("status %d, type %q; want 200 %q: %s", r.status, r.header.Get("Content-Type"), tt.ctype, r.body)
			}
			if tt.check != nil {
				if err := tt.check(r.body); err != nil {
					t.Error(err)
				}
			}
		})
	}
	// Between requests the store is free for other localca commands.
	s.withStore(t, func(*ca.CA) {})
}

func samePEM(b []byte, want *x509.Certificate) error {
	block, _ := pem.Decode(b)
	if block == nil || !bytes.Equal(block.Bytes, want.Raw) {
		return errors.New("not the expected certificate")
	}
	return nil
}

func crlFrom(der []byte, issuer *x509.Certificate) error {
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		return err
	}
	return rl.CheckSignatureFrom(issuer)
}

func TestServerRoutes(t *testing.T) {
	s := newTestServer(t, 0)
	tests := []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/nothing", http.StatusNotFound},
		{http.MethodPost, "/crl", http.StatusMethodNotAllowed},
		{http.MethodGet, "/sign", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/revoke", http.StatusMethodNotAllowed},
		{http.MethodPost, "/ocsp/abc", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := s.do(t, tt.method, tt.path, "", nil)
			if r.status != tt.status || r.jsonError() == "" {
				t.Errorf("status %d body %s; want %d with a JSON error", r.status, r.body, tt.status)
			}
		})
	}
}

// TestServerCRLFollowsStore: the served CRL is re-signed when the store's
// revocations change (here by another "process"), and not on every fetch.
func TestServerCRLFollowsStore(t *testing.T) {
	s := newTestServer(t, 0)
	iss := s.issue(t, "a.test")
	number := func() (*big.Int, int) {
		rl, err := x509.ParseRevocationList(s.do(t, http.MethodGet, "/crl", "", nil).body)
		if err != nil {
			t.Fatal(err)
		}
		return rl.Number, len(rl.RevokedCertificateEntries)
	}
	n1, e1 := number()
	n2, _ := number()
	if n1.Cmp(n2) != 0 || e1 != 0 {
		t.Errorf("unchanged store: CRL numbers %s then %s, %d entries", n1, n2, e1)
	}
	s.withStore(t, func(c *ca.CA) {
		if _, err := c.RevokeCert(iss.Record.Serial, 4); err != nil {
			t.Fatal(err)
		}
	})
	n3, e3 := number()
	if n3.Cmp(n2) <= 0 || e3 != 1 {
		t.Errorf("after a revocation: CRL number %s (was %s), %d entries; want a new CRL listing 1", n3, n2, e3)
	}
}

func TestServerSign(t *testing.T) {
	s := newTestServer(t, 4096)
	key := newKey(t, "ecdsa-p256")
	csr := csrPEM(t, key, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "api.test"}, DNSNames: []string{"api.test"}})
	tok := s.token(t)

	refusals := []struct {
		name, token string
		body        []byte
		status      int
	}{
		{"no token", "", csr, http.StatusUnauthorized},
		{"unknown token", "lca_bogus", csr, http.StatusUnauthorized},
		{"not a CSR", tok, []byte("hello"), http.StatusBadRequest},
		{"over the size limit", tok, bytes.Repeat([]byte("A"), 5000), http.StatusRequestEntityTooLarge},
		{"name the policy refuses", tok, csrPEM(t, key, &x509.CertificateRequest{DNSNames: []string{"evil.com"}}), http.StatusForbidden},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, http.MethodPost, "/sign", tt.token, tt.body)
			if r.status != tt.status || r.jsonError() == "" {
				t.Errorf("status %d body %s; want %d with a JSON error", r.status, r.body, tt.status)
			}
			if r.status == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	// None of the refusals spent the token.
	r := s.do(t, http.MethodPost, "/sign?profile=server", tok, csr)
	if r.status != http.StatusCreated {
		t.Fatalf("sign: %d %s", r.status, r.body)
	}
	chain := certsOf(t, r.body)
	if len(chain) != 2 || !bytes.Equal(chain[1].Raw, s.Intermediate().Raw) {
		t.Fatalf("got %d certificates, want the leaf and the intermediate", len(chain))
	}
	leaf := chain[0]
	if got := leaf.CRLDistributionPoints; len(got) != 1 || got[0] != "https://ca.test:8443/crl" {
		t.Errorf("CRL DP %v", got)
	}
	if len(leaf.OCSPServer) != 1 || leaf.OCSPServer[0] != "https://ca.test:8443/ocsp" ||
		len(leaf.IssuingCertificateURL) != 1 || leaf.IssuingCertificateURL[0] != "https://ca.test:8443/intermediate.crt" {
		t.Errorf("AIA OCSP %v caIssuers %v", leaf.OCSPServer, leaf.IssuingCertificateURL)
	}
	s.withStore(t, func(c *ca.CA) {
		if rec, err := c.Store().Cert(leaf.SerialNumber.Bytes()); err != nil || rec.Status != store.CertValid {
			t.Errorf("the signed certificate is not in the store: %v", err)
		}
	})
	// The token is spent.
	if r := s.do(t, http.MethodPost, "/sign", tok, csr); r.status != http.StatusUnauthorized {
		t.Errorf("reused token: %d %s, want 401", r.status, r.body)
	}
}

func certsOf(t *testing.T, data []byte) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			return out
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
}

func TestServerRevoke(t *testing.T) {
	s := newTestServer(t, 0)
	iss := s.issue(t, "a.test")
	serial := iss.Record.SerialHex()
	tok := s.scopedToken(t, ca.TokenRevoke, "a.test")
	body := func(v any) []byte { b, _ := json.Marshal(v); return b }
	refusals := []struct {
		name, token string
		body        []byte
		status      int
	}{
		{"no token", "", body(map[string]string{"serial": serial}), http.StatusUnauthorized},
		{"bad token", "lca_x", body(map[string]string{"serial": serial}), http.StatusUnauthorized},
		{"not JSON", tok, []byte("serial=1"), http.StatusBadRequest},
		{"unknown field", tok, body(map[string]string{"serial": serial, "why": "x"}), http.StatusBadRequest},
		{"bad serial", tok, body(map[string]string{"serial": "xyz"}), http.StatusBadRequest},
		{"unknown serial", tok, body(map[string]string{"serial": "0badc0de"}), http.StatusNotFound},
		{"certificateHold", tok, body(map[string]string{"serial": serial, "reason": "certificateHold"}), http.StatusUnprocessableEntity},
		{"trailing bytes", tok, append(body(map[string]string{"serial": serial}), `{"serial":"01"}`...), http.StatusBadRequest},
		{"a sign token", s.token(t), body(map[string]string{"serial": serial}), http.StatusForbidden},
		{"a token for other names", s.scopedToken(t, ca.TokenRevoke, "*.b.test"), body(map[string]string{"serial": serial}), http.StatusForbidden},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, http.MethodPost, "/revoke", tt.token, tt.body)
			if r.status != tt.status || r.jsonError() == "" {
				t.Errorf("status %d body %s; want %d with a JSON error", r.status, r.body, tt.status)
			}
		})
	}
	s.withStore(t, func(c *ca.CA) {
		if rec, _ := c.Store().Cert(iss.Record.Serial); rec.Status != store.CertValid {
			t.Fatal("a refused request revoked the certificate")
		}
	})
	r := s.do(t, http.MethodPost, "/revoke", tok, body(map[string]string{"serial": serial, "reason": "keyCompromise"}))
	var got ca.RevokeResponse
	if r.status != http.StatusOK || json.Unmarshal(r.body, &got) != nil || got.Serial != serial || got.Reason != "keyCompromise" {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	// Committed before acknowledged.
	s.withStore(t, func(c *ca.CA) {
		if rec, _ := c.Store().Cert(iss.Record.Serial); rec.Status != store.CertRevoked || rec.Reason != 1 {
			t.Errorf("store after /revoke: %+v", rec)
		}
	})
	if r := s.do(t, http.MethodPost, "/revoke", s.scopedToken(t, ca.TokenRevoke, "*"), body(map[string]string{"serial": serial})); r.status != http.StatusConflict {
		t.Errorf("second revocation: %d %s, want 409", r.status, r.body)
	}
}

func TestServerOCSP(t *testing.T) {
	s := newTestServer(t, 0)
	iss := s.issue(t, "a.test")
	req := ocspRequest(t, iss.Cert.SerialNumber, s.Intermediate(), []byte("0123456789abcdef"))
	get := "/ocsp/" + url.PathEscape(base64.StdEncoding.EncodeToString(req))
	for name, r := range map[string]reply{
		"POST": s.do(t, http.MethodPost, "/ocsp", "", req),
		"GET":  s.do(t, http.MethodGet, get, "", nil),
	} {
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/ocsp-response" {
			t.Fatalf("%s: %d %q", name, r.status, r.header.Get("Content-Type"))
		}
		resp, err := ocsp.ParseResponse(r.body, s.Intermediate())
		if err != nil || resp.Status != ocsp.Good {
			t.Errorf("%s: %v status %v", name, err, resp)
		}
	}
	if r := s.do(t, http.MethodGet, "/ocsp/@@not-base64@@", "", nil); !bytes.Equal(r.body, ocsp.MalformedRequestErrorResponse) {
		t.Errorf("undecodable GET: %d %x", r.status, r.body)
	}
}

// TestServerServeShutdown runs Serve over TLS with a certificate of its
// own CA and stops it by cancelling the context.
func TestServerServeShutdown(t *testing.T) {
	r := newRevCA(t)
	cert, err := r.TLSCertificate("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	addr, client, stop := serveTLS(t, r, cert)
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("HTTPS to the CA with its own certificate: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz %d", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Errorf("Serve after cancel: %v", err)
	}
	if !strings.Contains(cert.Leaf.Subject.CommonName, "localhost") {
		t.Errorf("server certificate CN %q", cert.Leaf.Subject.CommonName)
	}
}

// serveTLS closes r's store and serves r over TLS on loopback with cert, as
// `localca serve` does, opening the store per request. It returns the
// address, a client that trusts r's root, and stop, which cancels Serve and
// returns its error (stop runs at cleanup too).
func serveTLS(t *testing.T, r *revCA, cert tls.Certificate) (addr string, client *http.Client, stop func() error) {
	t.Helper()
	if err := r.st.Close(); err != nil {
		t.Fatal(err)
	}
	srv, err := ca.NewServer(ca.ServerConfig{CA: r.CA, Open: func() (*store.Store, error) { return store.Open(r.path, nil) }})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, cert) }()
	roots := x509.NewCertPool()
	roots.AddCert(r.Root())
	client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	var once sync.Once
	var serveErr error
	stop = func() error {
		once.Do(func() {
			client.CloseIdleConnections()
			cancel()
			select {
			case serveErr = <-done:
			case <-time.After(15 * time.Second):
				serveErr = errors.New("Serve did not stop after its context was cancelled")
			}
		})
		return serveErr
	}
	t.Cleanup(func() { stop() })
	return ln.Addr().String(), client, stop
}
