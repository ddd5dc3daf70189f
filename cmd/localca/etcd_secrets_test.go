package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// TestEtcdSealedSecrets: on a CA kept in etcd, the secrets the store keeps
// are sealed with the CA password and still work for real clients. The
// zone's TSIG key and a limited key sign nsupdate's updates to one `dns
// serve` node (keys and records reach both by watch), and the other
// answers dig; the key `issue` kept comes back
// with `export --key` only given the password.
func TestEtcdSealedSecrets(t *testing.T) {
	testkit.NeedTool(t, "dig")
	testkit.NeedTool(t, "nsupdate")
	h, url, pw, _ := etcdHome(t)
	ports := h.dnsNodes(url, pw)
	h.fail(1, "password", "--store", url, "dns", "key", "create", "--name", "nopw", "--allow", "x.localca.test")
	zoneKey := strings.TrimSpace(h.ok("--store", url, "dns", "key", "--password-file", pw))
	limited := strings.TrimSpace(h.ok("--store", url, "dns", "key", "create", "--name", "acme",
		"--allow", "_acme-challenge.app.localca.test", "--type", "TXT", "--password-file", pw))
	if r := nsupdate(t, ports[0], "update add sealed.localca.test. 60 IN A 127.0.0.9", "-y", zoneKey); r.code != 0 {
		t.Fatalf("nsupdate with the zone's sealed key: %s", r)
	}
	// The servers poll only every 10 s: the new key reaches them by watch.
	created := time.Now()
	var r cliResult
	for time.Since(created) < 5*time.Second {
		if r = nsupdate(t, ports[0], `update add _acme-challenge.app.localca.test. 60 IN TXT "tok"`, "-y", limited); r.code == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r.code != 0 {
		t.Fatalf("nsupdate with a sealed limited key, 5 s after it was made: %s", r)
	}
	t.Logf("the new key was accepted %s after it was made", time.Since(created).Round(time.Millisecond))
	digShortEventually(t, ports[1], "sealed.localca.test", "A", "127.0.0.9")
	digShortEventually(t, ports[1], "_acme-challenge.app.localca.test", "TXT", `"tok"`)

	h.ok("--store", url, "issue", "--out-dir", h.out, "--password-file", pw, "kept.localca.test")
	certs := h.listJSON("--store", url, "--name", "kept.localca.test")
	if len(certs) != 1 {
		t.Fatalf("list --name kept.localca.test: %d certificates", len(certs))
	}
	h.fail(1, "password", "--store", url, "export", certs[0].Serial, "--key")
	key := h.ok("--store", url, "export", certs[0].Serial, "--key", "--password-file", pw)
	if want := h.read("kept.localca.test-key.pem"); !bytes.Equal([]byte(key), want) {
		t.Errorf("export --key gave another key than issue wrote:\n%s", key)
	}
}
