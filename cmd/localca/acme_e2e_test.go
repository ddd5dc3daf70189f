package main

// Real ACME clients (lego, certbot) against `localca serve --acme` run as
// its own process: each gets a certificate that openssl verifies against
// the root, and revokes it so that openssl ocsp says revoked.

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// acmeClientTimeout bounds one run of an ACME client (it polls, and lego
// waits between polls).
const acmeClientTimeout = 90 * time.Second

// freePort returns a loopback TCP port the system just handed out, for a
// client's challenge listener (the CA must be told the port in advance).
func freePort(t *testing.T) int {
	t.Helper()
	port, release := reservePort(t)
	release()
	return port
}

// reservePort holds a loopback TCP port until release is called, so that a
// server started on port 0 meanwhile cannot be handed the same port (CI
// once saw `serve --addr 127.0.0.1:0` get the port just given to lego's
// challenge listener).
func reservePort(t *testing.T) (port int, release func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release = func() { ln.Close() }
	t.Cleanup(release) // a test that fails before release
	return ln.Addr().(*net.TCPAddr).Port, release
}

// acmeServer is a running `localca serve --acme` with its home.
type acmeServer struct {
	h                  *home
	srv                *server
	url, dir           string
	httpPort, tlsPort  int
	root, intermediate string
}

var acmeDirLine = regexp.MustCompile(`^acme directory (\S+)`)

// startACMEServer inits a CA and serves it with ACME on, validation ports
// chosen by the system.
func startACMEServer(t *testing.T, extra ...string) *acmeServer {
	t.Helper()
	h := newHome(t)
	h.initCA()
	httpPort, releaseHTTP := reservePort(t)
	tlsPort, releaseTLS := reservePort(t)
	a := &acmeServer{h: h, httpPort: httpPort, tlsPort: tlsPort,
		root: h.path("root.pem"), intermediate: h.path("intermediate.pem")}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--acme",
		"--acme-http-port", strconv.Itoa(a.httpPort), "--acme-tls-port", strconv.Itoa(a.tlsPort)}, extra...)
	a.srv, a.url = h.serve(args...)
	m, _ := a.srv.waitStdout(t, 0, acmeDirLine)
	a.dir = m[1]
	// The server holds its own port now; the clients need these two free.
	releaseHTTP()
	releaseTLS()
	return a
}

// runClient runs an ACME client with env added, failing the test with its
// output when it exits non-zero.
func runClient(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), acmeClientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, testkit.NeedTool(t, name), args...)
	cmd.Env = append(e2eEnv(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, out.String())
	}
	return out.String()
}

// verifyChain checks a leaf (and the intermediate in its chain file)
// against the root with openssl verify.
func (a *acmeServer) verifyChain(t *testing.T, chainFile string) {
	t.Helper()
	r := runTool(t, "", testkit.NeedTool(t, "openssl"), "verify", "-CAfile", a.root, "-untrusted", a.intermediate, chainFile)
	if r.code != 0 || !strings.Contains(r.stdout, ": OK") {
		t.Fatalf("openssl verify %s: %s", chainFile, r)
	}
}

// ocspStatus asks the server's OCSP responder about a certificate with
// openssl ocsp and returns its answer line.
func (a *acmeServer) ocspStatus(t *testing.T, certFile string) string {
	t.Helper()
	r := runTool(t, "", testkit.NeedTool(t, "openssl"), "ocsp", "-issuer", a.intermediate, "-CAfile", a.root,
		"-url", a.url+"/ocsp", "-cert", certFile)
	if r.code != 0 || !strings.Contains(r.stderr+r.stdout, "Response verify OK") {
		t.Fatalf("openssl ocsp: %s", r)
	}
	return r.stdout
}

// readFile reads a file a client wrote.
func (h *home) readFile(path string) []byte {
	h.t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// lego runs the lego CLI against the server, trusting its root.
func (a *acmeServer) lego(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	base := []string{"--server", a.dir, "--email", "dev@localca.test", "--accept-tos", "--path", dir}
	return runClient(t, append([]string{"LEGO_CA_CERTIFICATES=" + a.root}, env...), "lego", append(base, args...)...)
}

// TestACMELegoHTTP01 is lego's http-01 flow end to end: a certificate for
// localhost that openssl verifies, then lego revoke, after which OCSP
// answers revoked.
func TestACMELegoHTTP01(t *testing.T) {
	testkit.NeedTool(t, "lego")
	a := startACMEServer(t)
	dir := t.TempDir()
	a.lego(t, dir, nil, "-d", "localhost", "--http", "--http.port", "127.0.0.1:"+strconv.Itoa(a.httpPort), "run")
	crt := filepath.Join(dir, "certificates", "localhost.crt")
	a.verifyChain(t, crt)
	if out := a.ocspStatus(t, crt); !strings.Contains(out, ": good") {
		t.Fatalf("OCSP before lego revoke: %s", out)
	}
	kept := a.h.write("kept.crt", a.h.readFile(crt)) // lego revoke moves it away
	a.lego(t, dir, nil, "-d", "localhost", "revoke")
	if out := a.ocspStatus(t, kept); !strings.Contains(out, ": revoked") {
		t.Fatalf("OCSP after lego revoke: %s", out)
	}
}

// TestACMELegoTLSALPN01 is lego's tls-alpn-01 flow (RFC 8737).
func TestACMELegoTLSALPN01(t *testing.T) {
	testkit.NeedTool(t, "lego")
	a := startACMEServer(t)
	dir := t.TempDir()
	a.lego(t, dir, nil, "-d", "alpn.localhost", "--tls", "--tls.port", "127.0.0.1:"+strconv.Itoa(a.tlsPort), "run")
	a.verifyChain(t, filepath.Join(dir, "certificates", "alpn.localhost.crt"))
}

// TestACMELegoDNS01Wildcard is the only way to a wildcard: lego's rfc2136
// provider publishes the TXT record into `localca dns serve` (TSIG), and
// the CA validates it against its own zone.
func TestACMELegoDNS01Wildcard(t *testing.T) {
	testkit.NeedTool(t, "lego")
	a := startACMEServer(t)
	// The client gets a key that may change only the challenge's TXT
	// record, never the zone's own key.
	key := strings.TrimSpace(a.h.ok("dns", "key", "create", "--name", "lego-acme",
		"--allow", "_acme-challenge.wild.localca.test", "--type", "TXT")) // hmac-sha256:NAME:SECRET
	_, dnsAddr := a.h.serve("dns", "serve", "--addr", "127.0.0.1:0", "--sync", "200ms")
	parts := strings.SplitN(key, ":", 3)
	if len(parts) != 3 {
		t.Fatalf("dns key printed %q", key)
	}
	env := []string{"RFC2136_NAMESERVER=" + dnsAddr, "RFC2136_TSIG_ALGORITHM=hmac-sha256.", "RFC2136_TSIG_KEY=" + parts[1],
		"RFC2136_TSIG_SECRET=" + parts[2], "RFC2136_SEQUENCE_INTERVAL=1", "RFC2136_POLLING_INTERVAL=1", "RFC2136_PROPAGATION_TIMEOUT=30"}
	dir := t.TempDir()
	a.lego(t, dir, env, "-d", "*.wild.localca.test", "--dns", "rfc2136", "--dns.disable-cp", "--dns.resolvers", dnsAddr, "run")
	crt := filepath.Join(dir, "certificates", "_.wild.localca.test.crt")
	a.verifyChain(t, crt)
	r := runTool(t, "", testkit.NeedTool(t, "openssl"), "x509", "-in", crt, "-noout", "-ext", "subjectAltName")
	if !strings.Contains(r.stdout, "DNS:*.wild.localca.test") {
		t.Fatalf("the certificate is not for the wildcard: %s", r)
	}
}

// TestACMECertbot is certbot's standalone http-01 flow with its own
// folders, trusting the root through REQUESTS_CA_BUNDLE, then certbot
// revoke, after which OCSP answers revoked.
func TestACMECertbot(t *testing.T) {
	testkit.NeedTool(t, "certbot")
	a := startACMEServer(t)
	d := t.TempDir()
	env := []string{"REQUESTS_CA_BUNDLE=" + a.root}
	dirs := []string{"--config-dir", filepath.Join(d, "etc"), "--work-dir", filepath.Join(d, "work"), "--logs-dir", filepath.Join(d, "logs"),
		"--server", a.dir, "--non-interactive"}
	runClient(t, env, "certbot", append([]string{"certonly", "--standalone", "--preferred-challenges", "http",
		"--http-01-address", "127.0.0.1", "--http-01-port", strconv.Itoa(a.httpPort),
		"--agree-tos", "-m", "dev@localca.test", "-d", "certbot.localhost"}, dirs...)...)
	live := filepath.Join(d, "etc", "live", "certbot.localhost")
	a.verifyChain(t, filepath.Join(live, "cert.pem"))
	kept := a.h.write("certbot.crt", a.h.readFile(filepath.Join(live, "cert.pem")))
	runClient(t, env, "certbot", append([]string{"revoke", "--cert-path", filepath.Join(live, "cert.pem"), "--no-delete-after-revoke"}, dirs...)...)
	if out := a.ocspStatus(t, kept); !strings.Contains(out, ": revoked") {
		t.Fatalf("OCSP after certbot revoke: %s", out)
	}
}

// TestACMELegoEAB: with --acme-require-eab lego needs the key id and HMAC
// that `localca acme eab create` printed; the account then orders a name
// its --allow patterns cover, and `acme accounts|orders --json` list it.
func TestACMELegoEAB(t *testing.T) {
	testkit.NeedTool(t, "lego")
	a := startACMEServer(t, "--acme-require-eab")
	out := a.h.subprocess("", "acme", "eab", "create", "--name", "ci", "--allow", "*.localhost", "--json")
	if out.code != 0 {
		t.Fatalf("acme eab create: %s", out)
	}
	var k struct {
		KID  string `json:"kid"`
		HMAC string `json:"hmac"`
	}
	if err := json.Unmarshal([]byte(out.stdout), &k); err != nil || k.KID == "" || k.HMAC == "" {
		t.Fatalf("acme eab create --json printed %q (%v)", out.stdout, err)
	}
	dir := t.TempDir()
	httpArgs := []string{"--http", "--http.port", "127.0.0.1:" + strconv.Itoa(a.httpPort), "run"}
	a.lego(t, dir, nil, append([]string{"--eab", "--kid", k.KID, "--hmac", k.HMAC, "-d", "eab.localhost"}, httpArgs...)...)
	a.verifyChain(t, filepath.Join(dir, "certificates", "eab.localhost.crt"))

	var accts []struct {
		Status   string `json:"status"`
		EABKeyID string `json:"eab_kid"`
	}
	if r := a.h.subprocess("", "acme", "accounts", "--json"); r.code != 0 || json.Unmarshal([]byte(r.stdout), &accts) != nil {
		t.Fatalf("acme accounts --json: %s", r)
	}
	if len(accts) != 1 || accts[0].EABKeyID != k.KID || accts[0].Status != "valid" {
		t.Errorf("accounts: %+v, want one valid account bound to %s", accts, k.KID)
	}
	var orders []struct {
		Status string `json:"status"`
		Serial string `json:"serial"`
	}
	if r := a.h.subprocess("", "acme", "orders", "--json"); r.code != 0 || json.Unmarshal([]byte(r.stdout), &orders) != nil {
		t.Fatalf("acme orders --json: %s", r)
	}
	if len(orders) != 1 || orders[0].Status != "valid" || orders[0].Serial == "" {
		t.Errorf("orders: %+v, want one valid order with a serial", orders)
	}
}

// TestACMEOffByDefault: without --acme, serve has no ACME directory.
func TestACMEOffByDefault(t *testing.T) {
	curl := testkit.NeedTool(t, "curl")
	h := newHome(t)
	h.initCA()
	_, url := h.serve("serve", "--addr", "127.0.0.1:0")
	r := runTool(t, "", curl, "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", h.path("root.pem"), url+"/acme/directory")
	if r.code != 0 || r.stdout != "404" {
		t.Errorf("GET /acme/directory without --acme: %s, want 404", r)
	}
}
