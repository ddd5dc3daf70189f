package main

import (
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// TestDNSLimitedKeys: a key made with `dns key create --allow --type`
// updates only those names and types (nsupdate); `dns key list` shows it
// without its secret; once revoked, the running server refuses it
// (BADKEY).
func TestDNSLimitedKeys(t *testing.T) {
	testkit.NeedTool(t, "nsupdate")
	h := newHome(t)
	h.ok("dns", "key") // the zone's own key, made on first use
	srv, addr := h.serve("dns", "serve", "--addr", "127.0.0.1:0", "--sync", "100ms")
	defer srv.stop(t)
	port := portOf(t, addr)
	acme := strings.TrimSpace(h.ok("dns", "key", "create", "--name", "acme", "--allow", "_acme-challenge.app.localca.test", "--type", "TXT"))
	if !strings.HasPrefix(acme, "hmac-sha256:acme:") {
		t.Fatalf("dns key create printed %q", acme)
	}
	if list := h.ok("dns", "key", "list"); !strings.Contains(list, "acme.\tallow _acme-challenge.app.localca.test\ttypes TXT") || strings.Contains(list, acme[len("hmac-sha256:acme:"):]) {
		t.Errorf("dns key list:\n%s", list)
	}
	ok := "update add _acme-challenge.app.localca.test. 60 IN TXT \"token\""
	// The server picks the new key up at its next sync.
	deadline := 20
	var r cliResult
	for range deadline {
		if r = nsupdate(t, port, ok, "-y", acme); r.code == 0 {
			break
		}
	}
	if r.code != 0 {
		t.Fatalf("nsupdate with the limited key, inside its limits: %s", r)
	}
	for _, bad := range []string{
		"check-names no\nupdate add _acme-challenge.app.localca.test. 60 IN A 127.0.0.1", // another type
		"update add _acme-challenge.other.localca.test. 60 IN TXT \"x\"",                 // another name
		"update add www.localca.test. 60 IN TXT \"x\"",
	} {
		if r := nsupdate(t, port, bad, "-y", acme); r.code == 0 || !strings.Contains(r.stdout+r.stderr, "REFUSED") {
			t.Errorf("%s with the limited key: want REFUSED, got %s", bad, r)
		}
	}
	if got := strings.Join(h.dnsList(), "\n"); strings.Contains(got, "other.localca.test") || strings.Contains(got, "www.localca.test") {
		t.Errorf("a refused update is in the store:\n%s", got)
	}
	h.ok("dns", "key", "revoke", "acme")
	for range deadline {
		if r = nsupdate(t, port, ok, "-y", acme); strings.Contains(r.stdout+r.stderr, "BADKEY") {
			break
		}
	}
	if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "NOTAUTH(BADKEY)") {
		t.Errorf("a revoked key: want NOTAUTH(BADKEY), got %s", r)
	}
	h.fail(exitUsage, "allow", "dns", "key", "create", "--name", "x")
}
