package main

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/testkit"
)

// issueLeaf runs `localca issue NAME` into the output folder and returns
// the leaf.
func (h *home) issueLeaf(name string) *x509.Certificate {
	h.t.Helper()
	h.ok("issue", name, "--out-dir", h.out)
	return certs(h.t, h.read(name+".pem"))[0]
}

func serialOf(c *x509.Certificate) string { return ca.FormatSerial(c.SerialNumber.Bytes()) }

func TestRevokeSerial(t *testing.T) {
	h := newHome(t)
	h.initCA()
	leaf := h.issueLeaf("a.test")
	serial := serialOf(leaf)

	h.fail(exitUsage, "exactly one", "revoke")
	h.fail(exitUsage, "exactly one", "revoke", serial, "--key", "x")
	h.unchanged(exitUsage, "unknown revocation reason", "revoke", serial, "--reason", "certificateHold")
	h.unchanged(exitUsage, "bad serial", "revoke", "not-hex")
	h.unchanged(exitFailure, "not found", "revoke", "0badc0de")

	h.ok("revoke", strings.ToUpper(serial), "--reason", "superseded")
	got := h.listJSON("--status", "revoked")
	if len(got) != 1 || got[0].Serial != serial || got[0].RevokedReason != "superseded" {
		t.Fatalf("list --status revoked: %+v", got)
	}
	h.unchanged(exitFailure, "already revoked", "revoke", serial, "--reason", "keyCompromise")
}

func TestRevokeKeyAndCSR(t *testing.T) {
	h := newHome(t)
	h.initCA()
	leaf := h.issueLeaf("b.test")
	other := h.issueLeaf("c.test")
	h.ok("revoke", "--key", h.path("b.test-key.pem"))
	st := map[string]string{}
	for _, c := range h.listJSON() {
		st[c.Serial] = c.Status + " " + c.RevokedReason
	}
	if st[serialOf(leaf)] != "revoked keyCompromise" || st[serialOf(other)] != "valid " {
		t.Fatalf("after revoke --key: %v", st)
	}
	// A new CSR for the revoked key is refused, saying the key is revoked.
	h.fail(exitFailure, "revoked", "csr", "create", "--key", h.path("b.test-key.pem"), "--cn", "d.test", "--san", "d.test", "--out", h.path("d.csr"))
	h.unchanged(exitFailure, "already revoked", "revoke", "--key", h.path("b.test-key.pem"))
	h.unchanged(exitFailure, "not found", "revoke", "--key", strings.Repeat("ab", 32))

	// A rejected CSR is never signed.
	h.ok("key", "create", "--out", h.path("e.key"))
	h.ok("csr", "create", "--key", h.path("e.key"), "--cn", "e.test", "--san", "e.test", "--out", h.path("e.csr"))
	h.ok("revoke", "--csr", h.path("e.csr"))
	h.unchanged(exitFailure, "rejected", "sign", "--csr", h.path("e.csr"))
	h.unchanged(exitFailure, "already revoked", "revoke", "--csr", h.path("e.csr"))
}

func TestCRLCommand(t *testing.T) {
	h := newHome(t)
	h.initCA()
	h.issueLeaf("good.test")
	bad := h.issueLeaf("bad.test")
	h.ok("revoke", serialOf(bad), "--reason", "keyCompromise")

	number := func(args ...string) (*x509.RevocationList, []byte) {
		t.Helper()
		h.ok(append([]string{"crl", "--out", h.path("ca.crl")}, args...)...)
		raw := h.read("ca.crl")
		der := raw
		if b, _ := pem.Decode(raw); b != nil {
			der = b.Bytes
		}
		rl, err := x509.ParseRevocationList(der)
		if err != nil {
			t.Fatalf("crl %v: %v", args, err)
		}
		return rl, raw
	}
	first, _ := number()
	second, _ := number("--der", "--next-update", "24h")
	if second.Number.Cmp(first.Number) <= 0 {
		t.Errorf("CRL numbers %s then %s", first.Number, second.Number)
	}
	if d := second.NextUpdate.Sub(second.ThisUpdate); d != 24*time.Hour {
		t.Errorf("--next-update 24h gave %s", d)
	}
	if len(first.RevokedCertificateEntries) != 1 || first.RevokedCertificateEntries[0].SerialNumber.Cmp(bad.SerialNumber) != 0 {
		t.Errorf("CRL entries %+v", first.RevokedCertificateEntries)
	}
	h.fail(exitUsage, "--der", "crl", "--der", "--pem")

	// openssl: the revoked one is refused, the good one accepted.
	_, both := number("--both")
	crlFile := h.write("both.crl", both)
	args := []string{"verify", "-crl_check_all", "-CAfile", h.path("root.pem"), "-untrusted", h.path("intermediate.pem"), "-CRLfile", crlFile}
	if out := testkit.MustRun(t, "openssl", append(args, h.path("good.test.pem"))...); !strings.Contains(out, ": OK") {
		t.Errorf("openssl verify of a valid certificate: %s", out)
	}
	out, err := execTool(t, "openssl", append(args, h.path("bad.test.pem"))...)
	if err == nil || !strings.Contains(out, "certificate revoked") {
		t.Errorf("openssl verify of a revoked certificate: %v %s", err, out)
	}
}

func TestTokenCreate(t *testing.T) {
	h := newHome(t)
	h.initCA()
	tok := strings.TrimSpace(h.ok("token", "create", "--name", "ci", "--allow", "api.test", "--ttl", "10m"))
	if !strings.HasPrefix(tok, "lca_") || len(tok) < 40 {
		t.Errorf("token %q", tok)
	}
	db, err := os.ReadFile(h.dir + "/localca.db")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(db), tok) {
		t.Error("the store holds the token in clear")
	}
	h.fail(exitUsage, "name", "token", "create")
	h.unchanged(exitUsage, "--ttl", "token", "create", "--name", "x", "--allow", "a.test", "--ttl", "0s")
	h.unchanged(exitUsage, "--allow", "token", "create", "--name", "x")
	h.unchanged(exitUsage, "--allow", "token", "create", "--name", "x", "--for", "revoke")
	h.unchanged(exitUsage, "want one of", "token", "create", "--name", "x", "--for", "admin", "--allow", "*")
	h.unchanged(exitUsage, "takes no names", "token", "create", "--name", "x", "--for", "read", "--allow", "a.test")
	// DESIGN's spelling: --san and --endpoint.
	h.ok("token", "create", "--name", "y", "--endpoint", "revoke", "--san", "*.dev.test")
	h.ok("token", "create", "--name", "z", "--for", "read")
}

// execTool runs a tool that may fail and returns its combined output.
func execTool(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(testkit.NeedTool(t, name), args...).CombinedOutput()
	return string(out), err
}

// TestRevokeIntermediate revokes the CA's intermediate by its serial: the
// root's CRL lists it with its reason, openssl then refuses a leaf it
// issued (checking the whole chain's CRLs), the CA signs nothing more, and
// ca info says so. A root is not revocable; a second revocation is refused.
func TestRevokeIntermediate(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	h := newHome(t)
	h.initCA()
	leaf := h.issue(h.out, "web.localhost")
	inter := certs(t, h.read("intermediate.pem"))[0]
	root := certs(t, h.read("root.pem"))[0]
	serial := inter.SerialNumber.Text(16)

	h.fail(1, "cannot be revoked", "revoke", root.SerialNumber.Text(16))
	r := h.run("revoke", serial, "--reason", "cACompromise")
	if r.code != 0 || !strings.Contains(r.stderr, "revoked the intermediate") {
		t.Fatalf("revoke of the intermediate: %s", r)
	}
	h.fail(1, "already revoked", "revoke", serial)

	rootCRL := []byte(h.ok("crl", "--root"))
	block, _ := pem.Decode(rootCRL)
	if block == nil {
		t.Fatalf("crl --root printed no PEM:\n%s", rootCRL)
	}
	rl, err := x509.ParseRevocationList(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := rl.CheckSignatureFrom(root); err != nil {
		t.Errorf("root CRL signature: %v", err)
	}
	if len(rl.RevokedCertificateEntries) != 1 || rl.RevokedCertificateEntries[0].SerialNumber.Cmp(inter.SerialNumber) != 0 ||
		rl.RevokedCertificateEntries[0].ReasonCode != 2 {
		t.Fatalf("root CRL entries %+v, want the intermediate with cACompromise (2)", rl.RevokedCertificateEntries)
	}

	crls := h.write("both.crl", []byte(h.ok("crl", "--both")))
	out, err := execTool(t, "openssl", "verify", "-crl_check_all", "-CAfile", h.path("root.pem"),
		"-untrusted", h.path("intermediate.pem"), "-CRLfile", crls, leaf.cert)
	if err == nil || !strings.Contains(out, "certificate revoked") {
		t.Errorf("openssl verify of a leaf under a revoked intermediate: %v %s", err, out)
	}

	h.unchanged(1, "intermediate is revoked", "issue", "--out-dir", h.out, "api.localhost")
	if out := h.ok("ca", "info"); !strings.Contains(out, "revoked") {
		t.Errorf("ca info does not say the intermediate is revoked:\n%s", out)
	}
}
