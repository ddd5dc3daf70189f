package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
	"github.com/localca/localca/internal/truststore"
)

// trustJSON is `trust VERB --json ARGS`, parsed.
func (h *home) trustJSON(verb string, args ...string) truststore.Report {
	h.t.Helper()
	var r truststore.Report
	out := h.ok(append([]string{"trust", verb, "--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		h.t.Fatalf("trust %s --json does not parse: %v\n%s", verb, err, out)
	}
	return r
}

// stepsOf returns the steps of one store.
func stepsOf(r truststore.Report, store string) []truststore.Step {
	var out []truststore.Step
	for _, s := range r.Stores {
		if s.Store == store {
			out = append(out, s)
		}
	}
	return out
}

// oneStep returns the only step of store, with the state wanted.
func oneStep(t *testing.T, r truststore.Report, store, state string) truststore.Step {
	t.Helper()
	steps := stepsOf(r, store)
	if len(steps) != 1 || steps[0].State != state {
		t.Fatalf("%s: want one step %q, got %+v", store, state, steps)
	}
	return steps[0]
}

// TestTrustNSS installs the root into an NSS database (the trust store of
// Firefox and of Chromium on Linux) in a temporary HOME, and asks NSS itself
// whether it now accepts a leaf: certutil -V runs the verifier the browsers
// run. Installing again changes nothing; uninstalling makes NSS refuse the
// leaf again.
func TestTrustNSS(t *testing.T) {
	db := testkit.NSSHome(t)
	nss := func(args ...string) (string, error) {
		out, err := exec.Command("certutil", append(args, "-d", "sql:"+db)...).CombinedOutput()
		return string(out), err
	}
	h := newHome(t)
	h.initCA()
	root := certs(t, h.read("root.pem"))[0]
	nick := truststore.Nickname(root)
	h.ok("issue", "--out-dir", h.out, "web.test")
	// NSS needs the intermediate to build the chain; a server would send it.
	for nick, file := range map[string]string{"inter": h.path("intermediate.pem"), "leaf": h.path("web.test.pem")} {
		if out, err := nss("-A", "-t", ",,", "-n", nick, "-i", file); err != nil {
			t.Fatalf("certutil -A %s: %v\n%s", nick, err, out)
		}
	}
	verify := func() string { out, _ := nss("-V", "-u", "V", "-n", "leaf"); return out }
	// ours counts the lines of certutil -L that name our root.
	ours := func() int {
		out, err := nss("-L")
		if err != nil {
			t.Fatalf("certutil -L: %v\n%s", err, out)
		}
		return strings.Count(out, nick)
	}

	if out := verify(); !strings.Contains(out, "invalid") {
		t.Fatalf("NSS accepted the leaf before the root was trusted: %s", out)
	}
	st := h.trustJSON("status", "--store", "nss")
	if st.SHA256 != truststore.Fingerprint(root) {
		t.Errorf("status reports fingerprint %s, want %s", st.SHA256, truststore.Fingerprint(root))
	}
	if s := oneStep(t, st, "nss", "not trusted"); s.Where != db {
		t.Errorf("status looked at %q, want %q", s.Where, db)
	}

	out := h.ok("trust", "install", "--store", "nss")
	if !strings.Contains(out, "nss      installed in "+db) || !strings.Contains(out, truststore.Fingerprint(root)) {
		t.Errorf("install output does not say what it changed:\n%s", out)
	}
	if out := verify(); !strings.Contains(out, "certificate is valid") {
		t.Fatalf("NSS refuses the leaf after trust install: %s", out)
	}
	oneStep(t, h.trustJSON("status", "--store", "nss"), "nss", "trusted")
	if out := h.ok("trust", "status", "--store", "nss"); !strings.Contains(out, "SHA-256 "+truststore.Fingerprint(root)) {
		t.Errorf("status does not print the fingerprint:\n%s", out)
	}

	again := h.trustJSON("install", "--store", "nss")
	if s := oneStep(t, again, "nss", "already trusted"); s.Changed {
		t.Errorf("second install reports a change: %+v", s)
	}
	if n := ours(); n != 1 {
		t.Errorf("certutil -L lists our root %d times after two installs, want 1", n)
	}

	if s := oneStep(t, h.trustJSON("uninstall", "--store", "nss"), "nss", "removed"); !s.Changed {
		t.Errorf("uninstall reports no change: %+v", s)
	}
	if out := verify(); !strings.Contains(out, "invalid") {
		t.Fatalf("NSS still accepts the leaf after trust uninstall: %s", out)
	}
	if n := ours(); n != 0 {
		t.Errorf("certutil -L lists our root %d times after uninstall", n)
	}
	oneStep(t, h.trustJSON("uninstall", "--store", "nss"), "nss", "not installed")
	// The intermediate and the leaf the test added are not ours to remove.
	for _, other := range []string{"inter", "leaf"} {
		if out, err := nss("-L", "-n", other); err != nil {
			t.Errorf("uninstall removed %q, which is not our root: %v\n%s", other, err, out)
		}
	}
}

// TestTrustNSSCollidingNickname puts another certificate under our root's
// nickname: uninstall must leave it and say so, install must refuse to add
// ours beside it, and status must not call it trusted.
func TestTrustNSSCollidingNickname(t *testing.T) {
	db := testkit.NSSHome(t)
	h := newHome(t)
	h.initCA()
	root := certs(t, h.read("root.pem"))[0]
	testkit.MustRun(t, "certutil", "-A", "-d", "sql:"+db, "-n", truststore.Nickname(root), "-t", "C,,", "-i", h.path("intermediate.pem"))

	oneStep(t, h.trustJSON("status", "--store", "nss"), "nss", "not trusted")
	h.fail(1, "holds another certificate", "trust", "install", "--store", "nss")
	r := h.run("trust", "uninstall", "--store", "nss")
	if r.code != 0 || !strings.Contains(r.stdout, "left alone") {
		t.Errorf("uninstall with a colliding nickname: want exit 0 and \"left alone\", got %s", r)
	}
	out := testkit.MustRun(t, "certutil", "-L", "-d", "sql:"+db, "-n", truststore.Nickname(root), "-a")
	if found, n := truststore.PEMHolds([]byte(out), certs(t, h.read("intermediate.pem"))[0].Raw); !found || n != 1 {
		t.Errorf("the other certificate under our nickname was changed: found %v, %d certificates", found, n)
	}
}

// TestTrustStoreSelection: an unknown store is a usage error, a store named
// explicitly that is absent here is a failure (exit 1), and the default
// skips absent stores with a line saying why.
func TestTrustStoreSelection(t *testing.T) {
	testkit.NSSHome(t)
	h := newHome(t)
	h.initCA()
	h.fail(2, "--store", "trust", "install", "--store", "nosuch")
	h.fail(1, "only on macOS", "trust", "status", "--store", "keychain")
	t.Setenv("HOME", t.TempDir()) // no NSS database here
	r := h.run("trust", "status", "--store", "nss")
	if r.code != 1 || !strings.Contains(r.stdout, "nss      skipped: no NSS database") {
		t.Errorf("status --store nss without a database: want exit 1 and a skipped line, got %s", r)
	}
	r = h.run("trust", "status")
	if r.code != 0 || !strings.Contains(r.stdout, "nss      skipped: no NSS database") || strings.Contains(r.stdout, "keychain") {
		t.Errorf("status with the default stores: want exit 0, nss skipped and no keychain line, got %s", r)
	}
}
