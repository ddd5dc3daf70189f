package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// TestServeInterop runs `localca serve` as its own process and drives it
// with openssl and curl, while other localca processes revoke and make
// tokens against the same store.
func TestServeInterop(t *testing.T) {
	openssl, curl := testkit.NeedTool(t, "openssl"), testkit.NeedTool(t, "curl")
	h := newHome(t)
	h.initCA()
	h.issueLeaf("good.test")
	bad := h.issueLeaf("bad.test")
	srv, url := h.serve("serve", "--addr", "127.0.0.1:0")
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("serve listens on %q", url)
	}
	root, inter := h.path("root.pem"), h.path("intermediate.pem")

	ocspStatus := func(what ...string) string {
		t.Helper()
		args := append([]string{"ocsp", "-issuer", inter, "-CAfile", root, "-url", url + "/ocsp"}, what...)
		r := runTool(t, "", openssl, args...)
		if r.code != 0 || !strings.Contains(r.stderr+r.stdout, "Response verify OK") {
			t.Fatalf("openssl ocsp %v: %s", what, r)
		}
		if strings.Contains(r.stderr+r.stdout, "WARNING: no nonce") {
			t.Errorf("openssl ocsp: the nonce was not echoed: %s", r)
		}
		return r.stdout
	}
	if out := ocspStatus("-cert", h.path("good.test.pem")); !strings.Contains(out, ": good") {
		t.Errorf("OCSP for a valid certificate: %s", out)
	}
	if out := ocspStatus("-cert", h.path("bad.test.pem")); !strings.Contains(out, ": good") {
		t.Errorf("OCSP before revocation: %s", out)
	}

	// Another localca process revokes while the server runs.
	if r := h.subprocess("", "revoke", serialOf(bad), "--reason", "keyCompromise"); r.code != 0 {
		t.Fatalf("localca revoke while serve runs: %s", r)
	}
	out := ocspStatus("-cert", h.path("bad.test.pem"))
	if !strings.Contains(out, ": revoked") || !strings.Contains(out, "keyCompromise") {
		t.Errorf("OCSP after revocation: %s", out)
	}
	if out := ocspStatus("-serial", "0x1234567890"); !strings.Contains(out, ": unknown") {
		t.Errorf("OCSP for a serial never issued: %s", out)
	}

	// The CRLs over HTTPS, trusting only our root: they parse, and
	// openssl verify -crl_check uses them.
	for _, p := range []struct{ path, file string }{{"/crl", "inter.crl"}, {"/crl/root", "root.crl"}} {
		if r := runTool(t, "", curl, "-sSf", "--cacert", root, "-o", h.path(p.file+".der"), url+p.path); r.code != 0 {
			t.Fatalf("curl %s: %s", p.path, r)
		}
		r := runTool(t, "", openssl, "crl", "-inform", "DER", "-in", h.path(p.file+".der"), "-out", h.path(p.file))
		if r.code != 0 {
			t.Fatalf("the CRL from %s does not parse: %s", p.path, r)
		}
	}
	text := runTool(t, "", openssl, "crl", "-in", h.path("inter.crl"), "-noout", "-text").stdout
	if !strings.Contains(text, serialOf(bad)) || !strings.Contains(text, "Key Compromise") {
		t.Errorf("the served CRL does not list the revoked certificate:\n%s", text)
	}
	crls := h.write("both.crl", append(h.read("inter.crl"), h.read("root.crl")...))
	verify := []string{"verify", "-crl_check_all", "-CAfile", root, "-untrusted", inter, "-CRLfile", crls}
	if r := runTool(t, "", openssl, append(verify, h.path("good.test.pem"))...); r.code != 0 {
		t.Errorf("openssl verify -crl_check of a valid certificate: %s", r)
	}
	if r := runTool(t, "", openssl, append(verify, h.path("bad.test.pem"))...); r.code == 0 || !strings.Contains(r.stdout+r.stderr, "certificate revoked") {
		t.Errorf("openssl verify -crl_check of a revoked certificate: %s", r)
	}

	// /sign with a one-time token, from curl, with an openssl CSR.
	if r := runTool(t, "", openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", h.path("api.key"), "-subj", "/CN=api.test", "-addext", "subjectAltName=DNS:api.test", "-out", h.path("api.csr")); r.code != 0 {
		t.Fatalf("openssl req: %s", r)
	}
	tok := strings.TrimSpace(h.subprocess("", "token", "create", "--name", "ci", "--allow", "api.test").stdout)
	sign := func(token string) cliResult {
		return runTool(t, "", curl, "-sS", "--cacert", root, "-H", "Authorization: Bearer "+token,
			"--data-binary", "@"+h.path("api.csr"), "-o", h.path("api.pem"), "-w", "%{http_code}", url+"/sign")
	}
	if r := sign(tok); r.stdout != "201" {
		t.Fatalf("curl /sign: %s", r)
	}
	h.verify(h.path("api.pem"), "sslserver")
	api := certs(t, h.read("api.pem"))[0]
	// The plain-HTTP listener's URLs, which every fetcher can use.
	plain, _ := srv.waitStdout(t, 0, plainOn)
	if len(api.OCSPServer) != 1 || api.OCSPServer[0] != plain[1]+"/ocsp" || len(api.CRLDistributionPoints) != 1 || api.CRLDistributionPoints[0] != plain[1]+"/crl" {
		t.Errorf("a certificate from /sign carries OCSP %v, CRL DP %v", api.OCSPServer, api.CRLDistributionPoints)
	}
	if r := sign(tok); r.stdout != "401" || !strings.Contains(string(h.read("api.pem")), `"error"`) {
		t.Errorf("a reused token: %s %s", r, h.read("api.pem"))
	}

	// /revoke: an unknown serial is a JSON 404, and the server keeps going.
	tok = strings.TrimSpace(h.subprocess("", "token", "create", "--name", "ops", "--for", "revoke", "--allow", "*").stdout)
	r := runTool(t, "", curl, "-sS", "--cacert", root, "-H", "Authorization: Bearer "+tok,
		"-d", `{"serial":"0badc0de"}`, "-w", "\n%{http_code}", url+"/revoke")
	i := strings.LastIndex(r.stdout, "\n")
	body, code := r.stdout[:max(i, 0)], r.stdout[i+1:]
	var e struct{ Error string }
	if code != "404" || json.Unmarshal([]byte(body), &e) != nil || !strings.Contains(e.Error, "not found") {
		t.Errorf("revoking an unknown serial over HTTP: %s", r)
	}
	srv.stop(t)
	if !strings.Contains(srv.stderr.String(), "stopped") {
		t.Errorf("serve did not report a graceful stop:\n%s", srv.stderr)
	}
}
