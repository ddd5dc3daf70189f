package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// TestServeTrustPageOverPlainHTTP: a device that does not trust the root
// yet reaches the trust page, the root and its fingerprint over plain
// HTTP (curl, no CA file), and the page's QR link points there; the
// inventory is not on the plain listener.
func TestServeTrustPageOverPlainHTTP(t *testing.T) {
	curl := testkit.NeedTool(t, "curl")
	openssl := testkit.NeedTool(t, "openssl")
	h := newHome(t)
	h.initCA()
	h.ok("issue", "secret-inventory.test", "--out-dir", h.out)
	srv, _, plain := h.servePlain()
	defer srv.stop(t)
	var info struct {
		Root certInfo `json:"root"`
	}
	if err := json.Unmarshal([]byte(h.ok("ca", "info", "--json")), &info); err != nil {
		t.Fatal(err)
	}
	page := testkit.MustRun(t, curl, "-sf", plain+"/trust")
	if !strings.Contains(page, info.Root.SHA256) {
		t.Errorf("the plain trust page lacks the root's fingerprint %s", info.Root.SHA256)
	}
	if !strings.Contains(page, `href="`+plain+`/trust"`) {
		t.Errorf("the plain trust page's QR link does not point to %s/trust", plain)
	}
	if root := testkit.MustRun(t, curl, "-sf", plain+"/"); strings.Contains(root, "secret-inventory.test") {
		t.Errorf("the plain listener shows the inventory")
	}
	der := h.path("root-plain.crt")
	testkit.MustRun(t, curl, "-sf", "-o", der, plain+"/ca/root.crt")
	out := testkit.MustRun(t, openssl, "x509", "-inform", "DER", "-in", der, "-noout", "-fingerprint", "-sha256")
	if got := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(out), ":", "")); !strings.HasSuffix(got, info.Root.SHA256) {
		t.Errorf("root over plain HTTP: %s, want %s", out, info.Root.SHA256)
	}
}
