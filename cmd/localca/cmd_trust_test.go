package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrustNSS installs the root into an NSS database (the trust store of
// Firefox and of Chromium on Linux) in a temporary HOME, and asks NSS itself
// whether it now accepts a leaf: certutil -V runs the verifier the browsers
// run. Uninstalling makes NSS refuse the leaf again. The system and Java
// stores are not touched by tests: they belong to the machine.
func TestTrustNSS(t *testing.T) {
	certutil := needTool(t, "certutil")
	fakeHome := t.TempDir()
	db := filepath.Join(fakeHome, ".pki", "nssdb")
	if err := os.MkdirAll(db, 0o700); err != nil {
		t.Fatal(err)
	}
	nss := func(args ...string) (string, error) {
		out, err := exec.Command(certutil, append(args, "-d", "sql:"+db)...).CombinedOutput()
		return string(out), err
	}
	if out, err := nss("-N", "--empty-password"); err != nil {
		t.Fatalf("certutil -N: %v\n%s", err, out)
	}
	t.Setenv("HOME", fakeHome)
	h := newHome(t)
	h.initCA()
	h.ok("issue", "--out-dir", h.out, "web.test")
	// NSS needs the intermediate to build the chain; a server would send it.
	for nick, file := range map[string]string{"inter": h.path("intermediate.pem"), "leaf": h.path("web.test.pem")} {
		if out, err := nss("-A", "-t", ",,", "-n", nick, "-i", file); err != nil {
			t.Fatalf("certutil -A %s: %v\n%s", nick, err, out)
		}
	}
	verify := func() string { out, _ := nss("-V", "-u", "V", "-n", "leaf"); return out }

	if out := verify(); !strings.Contains(out, "invalid") {
		t.Fatalf("NSS accepted the leaf before the root was trusted: %s", out)
	}
	if out := h.ok("trust", "status", "--store", "nss"); !strings.Contains(out, "not trusted") {
		t.Errorf("status before install: %s", out)
	}
	h.ok("trust", "install", "--store", "nss")
	if out := verify(); !strings.Contains(out, "certificate is valid") {
		t.Fatalf("NSS refuses the leaf after trust install: %s", out)
	}
	if out := h.ok("trust", "status", "--store", "nss"); !strings.Contains(out, "nss     trusted") {
		t.Errorf("status after install: %s", out)
	}
	h.ok("trust", "install", "--store", "nss") // again: no error, no duplicate
	h.ok("trust", "uninstall", "--store", "nss")
	if out := verify(); !strings.Contains(out, "invalid") {
		t.Fatalf("NSS still accepts the leaf after trust uninstall: %s", out)
	}
	h.fail(2, "--store", "trust", "install", "--store", "keychain")
}
