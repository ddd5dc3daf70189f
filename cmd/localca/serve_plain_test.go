package main

import (
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

var plainOn = regexp.MustCompile(`^plain http on (http://\S+)`)

// servePlain starts serve and returns its HTTPS and plain-HTTP base URLs.
func (h *home) servePlain() (*server, string, string) {
	h.t.Helper()
	srv, base := h.serve("serve", "--addr", "127.0.0.1:0")
	m, _ := srv.waitStdout(h.t, 0, plainOn)
	return srv, base, m[1]
}

// TestServePlainHTTPFetchers: fetchers that speak only plain HTTP find the
// CRL and OCSP responder from the certificate's own http:// URLs:
// `openssl verify -crl_download -crl_check` and gnutls' `ocsptool --ask`,
// before and after a revocation.
func TestServePlainHTTPFetchers(t *testing.T) {
	openssl := testkit.NeedTool(t, "openssl")
	ocsptool := testkit.NeedTool(t, "ocsptool")
	h := newHome(t)
	h.initCA()
	srv, base, plain := h.servePlain()
	defer srv.stop(t)
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("TLS listener %q", base)
	}
	h.ok("issue", "--out-dir", h.out, "--url", plain, "a.test")
	leaf := certs(t, h.read("a.test.pem"))[0]
	if leaf.CRLDistributionPoints[0] != plain+"/crl" || leaf.OCSPServer[0] != plain+"/ocsp" || leaf.IssuingCertificateURL[0] != plain+"/intermediate.crt" {
		t.Fatalf("URLs: %v %v %v", leaf.CRLDistributionPoints, leaf.OCSPServer, leaf.IssuingCertificateURL)
	}
	leafOnly := h.write("a.leaf.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Raw}))
	verify := []string{"verify", "-crl_download", "-crl_check", "-CAfile", h.path("root.pem"), "-untrusted", h.path("intermediate.pem"), leafOnly}
	ask := []string{"--ask", "--load-cert", leafOnly, "--load-issuer", h.path("intermediate.pem")}
	if r := runTool(t, "", openssl, verify...); r.code != 0 || !strings.Contains(r.stdout, ": OK") {
		t.Fatalf("openssl verify -crl_download: %s", r)
	}
	if r := runTool(t, "", ocsptool, ask...); r.code != 0 || !strings.Contains(r.stdout, "Certificate Status: good") {
		t.Fatalf("ocsptool --ask: %s", r)
	}
	h.ok("revoke", fmt.Sprintf("%x", leaf.SerialNumber.Bytes()), "--reason", "keyCompromise")
	if r := runTool(t, "", openssl, verify...); r.code == 0 || !strings.Contains(r.stdout+r.stderr, "certificate revoked") {
		t.Errorf("openssl verify -crl_download of a revoked certificate: %s", r)
	}
	if r := runTool(t, "", ocsptool, ask...); !strings.Contains(r.stdout, "Certificate Status: revoked") {
		t.Errorf("ocsptool --ask of a revoked certificate: %s", r)
	}
}

// TestServePlainNginxStapling: nginx staples OCSP answers it fetched from
// the certificate's AIA URL alone (no ssl_stapling_responder), which it
// can do only over plain HTTP; openssl s_client -status shows them.
func TestServePlainNginxStapling(t *testing.T) {
	nginx := testkit.NeedTool(t, "nginx")
	openssl := testkit.NeedTool(t, "openssl")
	h := newHome(t)
	h.initCA()
	srv, _, plain := h.servePlain()
	defer srv.stop(t)
	h.ok("issue", "--out-dir", h.out, "--url", plain, "web.test")
	chain := h.path("web.test.pem")

	dir := t.TempDir()
	port := fmt.Sprint(freePort(t))
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`
daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  server {
    listen 127.0.0.1:%[2]s ssl;
    server_name web.test;
    ssl_certificate %[3]s;
    ssl_certificate_key %[4]s;
    ssl_stapling on;
    ssl_stapling_verify on;
    ssl_trusted_certificate %[5]s;
    location / { return 200 "ok\n"; }
  }
}
`, dir, port, chain, h.path("web.test-key.pem"), h.path("root.pem"))), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log"))
	if out, err := exec.Command(nginx, "-t", "-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log")).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	// nginx fetches the answer on the first handshakes and staples it once
	// it has it: ask until it is there (at most 15 s).
	deadline := time.Now().Add(15 * time.Second)
	var last cliResult
	for time.Now().Before(deadline) {
		last = runTool(t, "Q\n", openssl, "s_client", "-connect", "127.0.0.1:"+port, "-servername", "web.test",
			"-status", "-CAfile", h.path("root.pem"), "-verify_return_error")
		if strings.Contains(last.stdout, "OCSP Response Status: successful") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(last.stdout, "OCSP Response Status: successful") || !strings.Contains(last.stdout, "Cert Status: good") {
		log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
		t.Fatalf("nginx stapled no good OCSP answer: %s\nnginx log:\n%s", last, log)
	}
	if !strings.Contains(last.stdout, "Verify return code: 0 (ok)") {
		t.Errorf("s_client did not verify nginx's chain: %s", last.stdout)
	}
}
