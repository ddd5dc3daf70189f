package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// chromiumTimeout bounds one page load; a load takes well under a second.
const chromiumTimeout = 30 * time.Second

// chromiumFlags are what headless Chromium needs on a CI machine: no
// sandbox (root, containers), no GPU, TCP only, and none of the background
// traffic a first run starts. Nothing here relaxes certificate checks.
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--enable-logging=stderr", "--dump-dom",
}

// chromiumLoad loads url in a fresh headless Chromium (its own
// --user-data-dir, HOME as the test set it, so the NSS database is
// $HOME/.pki/nssdb) and returns the page's DOM and Chromium's log. Chromium
// and every process it started are killed when the load ends.
func chromiumLoad(t *testing.T, chromium, url string) (dom, log string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
	defer cancel()
	args := append([]string{"--user-data-dir=" + t.TempDir()}, chromiumFlags...)
	cmd := exec.CommandContext(ctx, chromium, append(args, url)...)
	cmd.Env = append(os.Environ(), "LANG=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group, killed whole
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // helpers left behind, if any
	}
	if ctx.Err() != nil {
		t.Fatalf("chromium did not finish loading %s within %s\n%s", url, chromiumTimeout, stderr.String())
	}
	if err != nil {
		t.Logf("chromium exited with %v", err)
	}
	return stdout.String(), stderr.String()
}

var preElement = regexp.MustCompile(`(?s)<pre[^>]*>(.*?)</pre>`)

// pageWhoami finds the /whoami JSON that Chromium shows as the page's text,
// in the <pre> its plain-text viewer wraps around it.
func pageWhoami(dom string) (whoami, bool) {
	var w whoami
	m := preElement.FindStringSubmatch(dom)
	if m == nil {
		return w, false
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &w); err != nil {
		return w, false
	}
	return w, true
}

// TestTrustChromium is trust install proven in a browser: headless
// Chromium, with a fresh profile and a throwaway HOME whose NSS database is
// the only thing changed, loads https://localhost:PORT/whoami from the demo
// server. Before install it refuses the certificate, after install the page
// is the /whoami JSON, after uninstall it refuses it again.
func TestTrustChromium(t *testing.T) {
	chromium := testkit.NeedTool(t, "chromium")
	testkit.NSSHome(t)
	h := newHome(t)
	h.initCA()
	srv, addr := h.serve("demo", "http-server", "--tls", "--name", "localhost", "--addr", "127.0.0.1:0")
	url := "https://localhost:" + portOf(t, addr) + "/whoami"

	refused := func(when string) {
		t.Helper()
		dom, log := chromiumLoad(t, chromium, url)
		if w, ok := pageWhoami(dom); ok {
			t.Errorf("%s: chromium loaded the page: %+v", when, w)
		}
		if !strings.Contains(log, "ERR_CERT_AUTHORITY_INVALID") {
			t.Errorf("%s: chromium's log does not report ERR_CERT_AUTHORITY_INVALID:\n%s\nDOM:\n%s", when, log, dom)
		}
	}

	refused("before install")
	h.ok("trust", "install", "--store", "nss")
	dom, log := chromiumLoad(t, chromium, url)
	w, ok := pageWhoami(dom)
	if !ok {
		t.Fatalf("after install, the page is not the /whoami JSON\nDOM:\n%s\nlog:\n%s\nserver:\n%s", dom, log, srv.stderr)
	}
	if !w.TLS || w.ServerName != "localhost" || !strings.HasPrefix(w.TLSVersion, "TLS 1.") {
		t.Errorf("after install, /whoami says tls %v, server_name %q, tls_version %q; want TLS to localhost", w.TLS, w.ServerName, w.TLSVersion)
	}
	h.ok("trust", "uninstall", "--store", "nss")
	refused("after uninstall")
	srv.stop(t)
}
