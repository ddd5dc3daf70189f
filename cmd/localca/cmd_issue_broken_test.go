package main

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"strings"
	"testing"
)

// TestIssueBroken: `issue --broken CASE` writes a certificate case's
// fixture (key 0600), refuses server cases, unknown cases and other names;
// the real profiles refuse fixture names; fixtures are in the event log,
// in `list --fixtures` and out of plain `list`.
func TestIssueBroken(t *testing.T) {
	h := newHome(t)
	h.initCA()
	h.ok("issue", "--broken", "expired", "--out-dir", h.out)
	data := h.read("expired.bad.localca.test.pem")
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("no PEM in the certificate file:\n%s", data)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if cert.DNSNames[0] != "expired.bad.localca.test" || !cert.NotAfter.Before(cert.NotBefore.AddDate(0, 0, 31)) {
		t.Errorf("certificate for %v, valid %s to %s", cert.DNSNames, cert.NotBefore, cert.NotAfter)
	}
	if fi, err := os.Stat(h.path("expired.bad.localca.test-key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, mode %v", err, fi.Mode())
	}

	h.fail(2, "the server's doing", "issue", "--broken", "tls1.0", "--out-dir", h.out)
	h.fail(2, `unknown fixture case "nope"`, "issue", "--broken", "nope", "--out-dir", h.out)
	h.fail(2, "give no other name", "issue", "--broken", "expired", "api.test", "--out-dir", h.out)
	for _, profile := range []string{"server", "client", "peer"} {
		h.fail(1, "fixtures profile only", "issue", "--profile", profile, "--out-dir", h.out, "good.bad.localca.test")
	}
	if _, err := os.Stat(h.path("good.bad.localca.test.pem")); err == nil {
		t.Errorf("a refused issue wrote a file")
	}

	fixtures := h.listJSON("--fixtures")
	if len(fixtures) != 1 || fixtures[0].Profile != "fixtures" {
		t.Errorf("list --fixtures = %+v, want the one fixture", fixtures)
	}
	if all := h.listJSON(); len(all) != 0 {
		t.Errorf("plain list shows %+v, want no fixture", all)
	}
	if log := h.ok("log"); !strings.Contains(log, "cert.issued") || !strings.Contains(log, "fixtures") {
		t.Errorf("the event log does not show the fixture:\n%s", log)
	}
}
