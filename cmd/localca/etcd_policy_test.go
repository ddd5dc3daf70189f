package main

import (
	"strings"
	"testing"

	"github.com/localca/localca/policies"
)

// policyFile is the default policy with the server profile's longest
// validity set to max, as a file's text.
func policyFile(t *testing.T, max string) []byte {
	t.Helper()
	p := policies.Default()
	d, err := policies.ParseDuration(max)
	if err != nil {
		t.Fatal(err)
	}
	p.Profiles.Server.Validity.Max = policies.Duration(d)
	p.Profiles.Server.Validity.Default = min(p.Profiles.Server.Validity.Default, p.Profiles.Server.Validity.Max)
	text, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// TestEtcdPolicyInStore: `policy set` makes a file the store's policy
// (version 1, in the log); a node without a policy file of its own
// enforces it; a node whose policy file differs refuses to start, naming
// the file and the line that differs; the same file is accepted.
func TestEtcdPolicyInStore(t *testing.T) {
	h, url, pw, _ := etcdHome(t)
	strict := h.write("strict.toml", policyFile(t, "240h"))
	loose := h.write("loose.toml", policyFile(t, "2160h"))
	if out := h.ok("--store", url, "policy", "set", strict); !strings.Contains(out, "policy version 1 ") {
		t.Fatalf("policy set said %q", out)
	}
	if out := h.ok("--store", url, "policy", "show"); !strings.Contains(out, "policy in force: the store (version 1") || !strings.Contains(out, `validity.max = "10d"`) {
		t.Errorf("policy show:\n%s", out)
	}
	h.fail(1, "validity", "--store", url, "issue", "--password-file", pw, "--out-dir", h.out, "--days", "20", "long.localca.test")
	h.ok("--store", url, "issue", "--password-file", pw, "--out-dir", h.out, "--days", "5", "short.localca.test")
	r := h.fail(1, "differs", "--store", url, "serve", "--policy", loose, "--addr", "127.0.0.1:0", "--password-file", pw)
	for _, want := range []string{"loose.toml", `local [profiles.server] validity.max = "90d"`, `store [profiles.server] validity.max = "10d"`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, r.stderr)
		}
	}
	h.ok("--store", url, "issue", "--policy", strict, "--password-file", pw, "--out-dir", h.out, "same.localca.test")
	if out := h.ok("--store", url, "policy", "set", loose); !strings.Contains(out, "policy version 2 ") {
		t.Fatalf("the second policy set said %q", out)
	}
	if log := h.ok("--store", url, "log"); strings.Count(log, "policy.set") != 2 {
		t.Errorf("the log holds %d policy.set events, want 2:\n%s", strings.Count(log, "policy.set"), log)
	}
}
