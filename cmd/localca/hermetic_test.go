package main

import (
	"os"
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// TestHermeticEnv runs in-process CLI tests of this binary again with a
// developer's LOCALCA_* settings pointing at files that do not exist, and
// with CI=true but no LOCALCA_TEST_SYSTEM_TRUST: they pass, because the
// tests read none of it (issue 14, item 13). Before the fix, LOCALCA_POLICY
// made every command that loads the policy fail, and CI=true as root ran
// the tests that change this machine's trust stores.
func TestHermeticEnv(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary again")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	env := append(testkit.Env(),
		"LOCALCA_POLICY=/nonexistent/policy.toml",
		"LOCALCA_HOME=/nonexistent/home",
		"LOCALCA_PASSWORD_FILE=/nonexistent/password",
		"LOCALCA_URL=https://127.0.0.1:1",
		"CI=true")
	r := testkit.Run(t, env, "", exe, "-test.run", "^(TestIssueProfiles|TestHermeticSwitches|TestTrustSystemWithCurl)$", "-test.v", "-test.count=1")
	if r.Code != 0 {
		t.Fatalf("the tests read the developer's LOCALCA_* variables:\n%s", r)
	}
	if !strings.Contains(r.Stdout, "--- PASS: TestIssueProfiles") {
		t.Fatalf("TestIssueProfiles did not run:\n%s", r)
	}
	if !strings.Contains(r.Stdout, "--- PASS: TestHermeticSwitches") {
		t.Fatalf("TestHermeticSwitches did not run:\n%s", r)
	}
	for _, name := range []string{"TestTrustSystemWithCurl"} {
		if !strings.Contains(r.Stdout, "--- SKIP: "+name) {
			t.Errorf("%s ran without LOCALCA_TEST_SYSTEM_TRUST=1:\n%s", name, r)
		}
	}
}

// TestHermeticSwitches: once TestMain has run, no LOCALCA_* variable but
// the test switches is left for an in-process run to read.
func TestHermeticSwitches(t *testing.T) {
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "LOCALCA_") && !strings.HasPrefix(kv, "LOCALCA_TEST_") && !strings.HasPrefix(kv, "LOCALCA_CRASH_SEED=") {
			t.Errorf("in-process tests would read %s", kv)
		}
	}
}
