package main

// Tests that change this machine's own trust stores: the system bundle and
// Java's cacerts (seen through the system store's hook; the Java store's own
// machine test is in internal/truststore). They run only when asked for, with
// LOCALCA_TEST_SYSTEM_TRUST=1 (.ci/run sets it on its throwaway machine),
// and as root, never merely because CI=true and root happen to hold; they
// uninstall in t.Cleanup, so a failure leaves nothing behind.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
	"github.com/localca/localca/internal/truststore"
)

// curlNoCA runs curl against url with no --cacert and without the
// variables that would point it at a bundle: it trusts what the system
// trusts, by its compiled-in default.
func curlNoCA(t *testing.T, port string) cliResult {
	t.Helper()
	curl := testkit.NeedTool(t, "curl")
	for _, v := range []string{"CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"} {
		if old, ok := os.LookupEnv(v); ok {
			t.Setenv(v, old) // restored when the test ends
			os.Unsetenv(v)
		}
	}
	return runTool(t, "", curl, "-sS", "--max-time", "10", "--resolve", "localhost:"+port+":127.0.0.1", "https://localhost:"+port+"/whoami")
}

// TestTrustSystemWithCurl: after trust install, curl with no --cacert
// trusts the demo server's localhost certificate; a second install changes
// nothing (the file keeps its mtime); after uninstall curl refuses it
// (exit 60, certificate problem).
func TestTrustSystemWithCurl(t *testing.T) {
	testkit.NeedMachineTrust(t)
	testkit.NeedTool(t, "update-ca-certificates")
	h := newHome(t)
	h.initCA()
	root := certs(t, h.read("root.pem"))[0]
	t.Cleanup(func() { h.run("trust", "uninstall", "--store", "system") })
	srv, addr := h.serve("demo", "http-server", "--tls", "--name", "localhost", "--addr", "127.0.0.1:0")
	port := portOf(t, addr)

	if r := curlNoCA(t, port); r.code != 60 {
		t.Fatalf("before install: want curl exit 60, got %s", r)
	}
	out := h.ok("trust", "install", "--store", "system")
	file := truststore.SystemFile(root)
	if !strings.Contains(out, "system   installed: wrote "+file+", ran update-ca-certificates") {
		t.Errorf("install output does not say what it changed:\n%s", out)
	}
	r := curlNoCA(t, port)
	if r.code != 0 {
		t.Fatalf("after install: curl failed: %s", r)
	}
	if w := parseWhoami(t, r); !w.TLS || w.ServerName != "localhost" {
		t.Errorf("after install: /whoami says tls %v server_name %q", w.TLS, w.ServerName)
	}
	oneStep(t, h.trustJSON("status", "--store", "system"), "system", "trusted")

	// An hour back: a rewrite would set the mtime to now, whatever the
	// file system's timestamp granularity.
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(file, past, past); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if s := oneStep(t, h.trustJSON("install", "--store", "system"), "system", "already trusted"); s.Changed {
		t.Errorf("second install reports a change: %+v", s)
	}
	if after, err := os.Stat(file); err != nil || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("second install touched %s (%v)", file, err)
	}

	oneStep(t, h.trustJSON("uninstall", "--store", "system"), "system", "removed")
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("uninstall left %s: %v", file, err)
	}
	// Nothing of ours is left where update-ca-certificates and its hooks
	// put it: no link in /etc/ssl/certs, no copy in Java's cacerts.
	link := filepath.Join("/etc/ssl/certs", strings.TrimSuffix(filepath.Base(file), ".crt")+".pem")
	if _, err := os.Lstat(link); !os.IsNotExist(err) {
		t.Errorf("uninstall left %s (%v)", link, err)
	}
	if _, err := exec.LookPath("keytool"); err == nil {
		// update-ca-certificates' hook must have removed its copy.
		oneStep(t, h.trustJSON("status", "--store", "java"), "java", "not trusted")
	}
	if r := curlNoCA(t, port); r.code != 60 {
		t.Errorf("after uninstall: want curl exit 60 (certificate problem), got %s", r)
	}
	oneStep(t, h.trustJSON("status", "--store", "system"), "system", "not trusted")
	srv.stop(t)
}
