package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPolicyShowRoundTrips: `policy show` prints a policy file that the CA
// then runs on unchanged.
func TestPolicyShowRoundTrips(t *testing.T) {
	h := newHome(t)
	shown := h.ok("policy", "show")
	if !strings.Contains(shown, "built-in default") || !strings.Contains(shown, "[profiles.server]") {
		t.Fatalf("policy show:\n%s", shown)
	}
	f := h.write("policy.toml", []byte(shown))
	again := h.ok("policy", "show", "--policy", f)
	if strings.SplitN(again, "\n", 2)[1] != strings.SplitN(shown, "\n", 2)[1] {
		t.Errorf("the shown policy does not read back the same:\n%s\nvs\n%s", shown, again)
	}
}

func TestPolicyCheck(t *testing.T) {
	h := newHome(t)
	out := h.ok("policy", "check", "--name", "api.dev.test", "--name", "10.1.2.3")
	if !strings.Contains(out, "allowed") || !strings.Contains(out, "api.dev.test") {
		t.Errorf("policy check of allowed names: %s", out)
	}
	r := h.fail(1, `name "example.com" is not allowed (profile server, dns.allow:`, "policy", "check", "--name", "example.com", "--name", "8.8.8.8")
	if !strings.Contains(r.stderr, "8.8.8.8") {
		t.Errorf("a refusal must list every violation: %s", r)
	}
	r = h.run("policy", "check", "--json", "--name", "example.com", "--name", "8.8.8.8")
	var v struct {
		Allowed    bool `json:"allowed"`
		Violations []struct{ Rule, Value string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || r.code != 1 || v.Allowed || len(v.Violations) != 2 {
		t.Errorf("policy check --json: %v; %s", err, r)
	}
	h.fail(2, "--csr", "policy", "check")
}

// TestBrokenPolicyStopsTheCA: a policy file with an error names its line,
// and no command that issues runs on it (nothing falls back to the default).
func TestBrokenPolicyStopsTheCA(t *testing.T) {
	h := newHome(t)
	h.initCA()
	broken := "[profiles.server]\nvalidity.default = \"90d\"\ndns.allow = [\"localhost\"]\nip.allow = [\"10.0.0.0/33\"]\n"
	if err := os.WriteFile(filepath.Join(h.dir, "policy.toml"), []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	h.unchanged(1, "policy.toml:4", "issue", "localhost")
	h.fail(1, "10.0.0.0/33", "policy", "show")
	// A policy that parses is in force at once: this one allows localhost only.
	good := "[key]\nalgorithms = [\"ecdsa\"]\ncurves = [\"P-256\"]\n[profiles.server]\nvalidity.default = \"30d\"\nvalidity.max = \"60d\"\ndns.allow = [\"localhost\"]\n"
	if err := os.WriteFile(filepath.Join(h.dir, "policy.toml"), []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	h.ok("issue", "--out-dir", h.out, "localhost")
	h.unchanged(1, `name "api.test" is not allowed`, "issue", "--out-dir", h.out, "api.test")
	h.unchanged(1, "validity.max", "issue", "--out-dir", h.out, "--days", "90", "localhost")
}
