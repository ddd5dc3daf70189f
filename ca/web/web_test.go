package web_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/ca/web"
	"github.com/localca/localca/internal/testkit"
	"github.com/localca/localca/store"
)

// hostile is what outsiders put into a CSR subject and a token label.
const (
	hostileSubject = `<script>alert(1)</script>`
	hostileLabel   = `<b onmouseover=x>ci</b>`
)

type fixture struct {
	ca     *ca.CA
	st     *store.Store
	issued []*ca.Issued
}

// newFixture makes a CA with three certificates (one of them from a CSR
// whose subject holds markup, one revoked) and a token whose label does.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "localca.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	authority, err := ca.Init(st, ca.InitOptions{Name: "Web Test Root"}, ca.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{ca: authority, st: st}
	for _, names := range [][]string{{"api.test"}, {"db.test", "127.0.0.1"}} {
		iss, err := authority.Issue(ca.IssueRequest{Names: names})
		if err != nil {
			t.Fatal(err)
		}
		f.issued = append(f.issued, iss)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "hostile.test", Organization: []string{hostileSubject}}, DNSNames: []string{"hostile.test"},
	}, key)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := authority.Sign(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), ca.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.issued = append(f.issued, iss)
	if _, err := authority.RevokeCert(f.issued[1].Record.Serial, 1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := authority.CreateToken(ca.TokenRequest{Name: hostileLabel, For: ca.TokenRead, TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) page(t *testing.T, cfg web.Config) *web.Page {
	t.Helper()
	cfg.CA = f.ca
	cfg.Read = func(fn func(*ca.CA) error) error { return fn(f.ca) }
	p, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// get fetches path from h and returns the answer and its body.
func get(t *testing.T, h http.Handler, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestPageShows(t *testing.T) {
	f := newFixture(t)
	h := f.page(t, web.Config{BaseURL: "https://127.0.0.1:8443", HTTPBaseURL: "http://127.0.0.1:8080"}).Handler()
	sum := sha256.Sum256(f.ca.Root().Raw)
	hostile := f.issued[2].Record.SerialHex()
	tests := []struct {
		path         string
		want, absent []string
	}{
		{"/", []string{hex.EncodeToString(sum[:]), "api.test", "db.test", "Web Test Root", "revoked", "http://127.0.0.1:8080/trust", "<svg", "Firefox", "Java", "Android",
			"&lt;b onmouseover=x&gt;ci&lt;/b&gt;", "server: TLS server certificates", "DNS names permitted"},
			[]string{hostileLabel, "<script", "PRIVATE KEY"}},
		{"/?name=api", []string{"api.test"}, []string{"db.test"}},
		{"/?status=revoked", []string{"db.test"}, nil},
		{"/certs/" + hostile, []string{"BEGIN CERTIFICATE", `O=\&lt;script\&gt;alert(1)\&lt;/script\&gt;`, "hostile.test"}, []string{"<script", "PRIVATE KEY"}},
		{"/trust", []string{hex.EncodeToString(sum[:]), "<svg"}, []string{"api.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, body := get(t, h, tt.path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			checkHeaders(t, res)
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(inventory(body), a) {
					t.Errorf("page holds %q", a)
				}
			}
		})
	}
}

// inventory is the page without its revocations and log, which name
// certificates whatever the filter says.
func inventory(body string) string {
	body, _, _ = strings.Cut(body, `id="revocations"`)
	return body
}

func checkHeaders(t *testing.T, res *http.Response) {
	t.Helper()
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "unsafe") || strings.Contains(csp, "script-src") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("no nosniff")
	}
}

func TestPageRefuses(t *testing.T) {
	f := newFixture(t)
	h := f.page(t, web.Config{}).Handler()
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{http.MethodPost, "/", http.StatusMethodNotAllowed},
		{http.MethodGet, "/certs/zz", http.StatusBadRequest},
		{http.MethodGet, "/certs/0102030405", http.StatusNotFound},
		{http.MethodGet, "/?status=bogus", http.StatusBadRequest},
		{http.MethodGet, "/?after=%21%21", http.StatusInternalServerError},
		{http.MethodGet, "/nothing", http.StatusNotFound},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, rec.Code, tt.status)
		}
		checkHeaders(t, rec.Result())
	}
}

// TestPageToken: with Authorize set, the inventory, the details and the log
// need a read token (header or the form's cookie); trust stays open.
func TestPageToken(t *testing.T) {
	f := newFixture(t)
	const good = "lca_read"
	p := f.page(t, web.Config{Authorize: func(tok string) error {
		if tok != good {
			return store.ErrTokenInvalid
		}
		return nil
	}})
	h := p.Handler()
	serialPath := "/certs/" + f.issued[0].Record.SerialHex()
	res, body := get(t, h, "/")
	if res.StatusCode != http.StatusOK || strings.Contains(body, "api.test") || !strings.Contains(body, `action="/token"`) || !strings.Contains(body, "Android") {
		t.Errorf("/ without a token: %d, want the trust section and the token form, no inventory", res.StatusCode)
	}
	if res, _ := get(t, h, serialPath); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("detail without a token: %d", res.StatusCode)
	}
	if _, body := get(t, h, "/", "Authorization", "Bearer wrong"); strings.Contains(body, "api.test") {
		t.Errorf("a wrong token shows the inventory")
	}
	if _, body := get(t, h, "/", "Authorization", "Bearer "+good); !strings.Contains(body, "api.test") {
		t.Errorf("a read token does not show the inventory")
	}
	// The form keeps the token in a cookie.
	post := func(tok string) *http.Response {
		req := httptest.NewRequest(http.MethodPost, "/token", strings.NewReader(url.Values{"token": {tok}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	if res := post("wrong"); res.StatusCode != http.StatusUnauthorized || len(res.Cookies()) != 0 {
		t.Errorf("a wrong token: %d, cookies %v", res.StatusCode, res.Cookies())
	}
	res = post(good)
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 {
		t.Fatalf("POST /token: %d, cookies %v", res.StatusCode, res.Cookies())
	}
	c := res.Cookies()[0]
	if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteStrictMode {
		t.Errorf("cookie %+v: want HttpOnly, Secure, SameSite=Strict", c)
	}
	if res, body := get(t, h, serialPath, "Cookie", c.Name+"="+c.Value); res.StatusCode != http.StatusOK || !strings.Contains(body, "api.test") {
		t.Errorf("detail with the cookie: %d", res.StatusCode)
	}
	// The plain-HTTP handler serves only the public part.
	th := p.TrustHandler()
	for path, want := range map[string]int{"/": 200, "/trust": 200, "/ca/root.crt": 200, "/page.css": 200, serialPath: 404, "/token": 404} {
		if res, _ := get(t, th, path, "Authorization", "Bearer "+good); res.StatusCode != want {
			t.Errorf("TrustHandler %s: %d, want %d", path, res.StatusCode, want)
		}
	}
}

// TestDownloads: the .crt parses with openssl as DER, the .mobileconfig is
// a property list (plistutil) holding the root's DER, and the .pem is the root.
func TestDownloads(t *testing.T) {
	f := newFixture(t)
	h := f.page(t, web.Config{}).TrustHandler()
	dir := t.TempDir()
	fetch := func(path, contentType string) string {
		t.Helper()
		res, body := get(t, h, path)
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != contentType {
			t.Fatalf("%s: %d %q, want 200 %q", path, res.StatusCode, res.Header.Get("Content-Type"), contentType)
		}
		checkHeaders(t, res)
		file := filepath.Join(dir, filepath.Base(path))
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return file
	}
	crt := fetch("/ca/root.crt", "application/x-x509-ca-cert")
	out := testkit.MustRun(t, "openssl", "x509", "-inform", "DER", "-in", crt, "-noout", "-subject", "-fingerprint", "-sha256")
	if !strings.Contains(out, "Web Test Root") {
		t.Errorf("openssl x509 -inform DER: %s", out)
	}
	pemFile := fetch("/ca/root.pem", "application/x-pem-file")
	raw, _ := os.ReadFile(pemFile)
	if b, _ := pem.Decode(raw); b == nil || !bytes.Equal(b.Bytes, f.ca.Root().Raw) {
		t.Errorf("root.pem is not the root")
	}
	profile := fetch("/ca/localca.mobileconfig", "application/x-apple-aspen-config")
	bin := filepath.Join(dir, "profile.bin")
	testkit.MustRun(t, "plistutil", "-i", profile, "-o", bin, "-f", "bin")
	xmlOut := filepath.Join(dir, "profile.xml")
	testkit.MustRun(t, "plistutil", "-i", bin, "-o", xmlOut, "-f", "xml")
	back, _ := os.ReadFile(xmlOut)
	for _, want := range []string{"com.apple.security.root", "Configuration", "PayloadUUID"} {
		if !bytes.Contains(back, []byte(want)) {
			t.Errorf("plist lacks %q", want)
		}
	}
	// The root's DER, read back by plistutil (it reflows the base64).
	if !strings.Contains(strings.Join(strings.Fields(string(back)), ""), b64(f.ca.Root().Raw)) {
		t.Errorf("the profile does not hold the root's DER")
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
