package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/testkit"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/bad-server-clients.md and README.md's table from what the clients say now")

// badClients are the clients of the bad-server table, in its column order.
var badClients = []string{"curl", "openssl s_client", "Go crypto/tls", "Python ssl", "Chromium"}

// notChecked are the cases a client accepts because it does not check that
// defect (by default, or at all), with the table's explanation. A client
// that accepts any other broken case fails the test; so does one listed
// here that starts refusing (the list would then be stale).
var notChecked = map[string]map[string]string{
	"curl": {
		ca.CaseRevoked: "no revocation check without --cert-status",
		ca.CaseNoSAN:   "OpenSSL's host check falls back to the CN",
	},
	"openssl s_client": {
		ca.CaseRevoked: "-status prints the answer, does not act on it",
		ca.CaseNoSAN:   "-verify_hostname falls back to the CN",
	},
	"Go crypto/tls": {
		ca.CaseRevoked: "no revocation check",
		ca.CaseRSA1024: "accepts RSA keys of 1024 bits and more",
	},
	"Python ssl": {
		ca.CaseRevoked: "no revocation check",
		ca.CaseNoSAN:   "hostname_checks_common_name is on by default",
	},
	"Chromium": {
		ca.CaseRSA1024: "accepts RSA keys of 1024 bits and more",
	},
}

// TestBadServerClients runs curl, openssl s_client, Go's crypto/tls,
// Python's ssl and headless Chromium (the root in a scratch NSS database)
// against a running `localca demo bad-server`, and compares what each says
// about each case with testdata/bad-server-clients.md, the table README.md
// shows (go test ./cmd/localca -run TestBadServerClients -update rewrites
// both). good must load in every client; every other case must fail in
// every client except where notChecked says the client does not check it.
func TestBadServerClients(t *testing.T) {
	tools := map[string]string{}
	for _, name := range []string{"curl", "openssl", "python3", "chromium", "certutil"} {
		tools[name] = testkit.NeedTool(t, name)
	}
	nssdb := testkit.NSSHome(t)
	h := newHome(t)
	h.initCA()
	srv, addr := h.serve("demo", "bad-server", "--addr", "127.0.0.1:0")
	defer srv.stop(t)
	port := portOf(t, addr)
	root := h.path("root.pem")
	h.ok("trust", "install", "--store", "nss")
	// trust install puts the CA's root there and nothing else: none of the
	// fixtures' throwaway authorities.
	if l := runTool(t, "", tools["certutil"], "-L", "-d", "sql:"+nssdb); len(nssNicknames.FindAllString(l.stdout, -1)) != 1 {
		t.Fatalf("the NSS database should hold one certificate (the root):\n%s", l.stdout)
	}

	cases := ca.FixtureCases()
	answers := map[string]map[string]string{} // client -> case -> answer
	for _, c := range badClients {
		answers[c] = map[string]string{}
	}
	for _, fc := range cases {
		name := ca.FixtureName(fc.Name)
		answers["curl"][fc.Name] = curlAnswer(t, tools["curl"], root, name, port, fc.Name == ca.CaseRevoked)
		answers["openssl s_client"][fc.Name] = opensslAnswer(t, tools["openssl"], root, name, port)
		answers["Go crypto/tls"][fc.Name] = goAnswer(t, root, name, addr)
	}
	answers["Python ssl"] = pythonAnswers(t, tools["python3"], root, port, cases)
	answers["Chromium"] = chromiumAnswers(t, tools["chromium"], port, cases)

	for _, client := range badClients {
		for _, fc := range cases {
			got := answers[client][fc.Name]
			_, exempt := notChecked[client][fc.Name]
			switch {
			case fc.Name == ca.CaseGood && got != "ok":
				t.Errorf("%s refuses good: %s", client, got)
			case fc.Name != ca.CaseGood && got == "ok" && !exempt:
				t.Errorf("%s accepts %s (%s)", client, fc.Name, fc.Defect)
			case exempt && got != "ok" && !strings.HasPrefix(got, "ok;"):
				t.Errorf("%s now refuses %s (%s): take it out of notChecked", client, fc.Name, got)
			}
		}
	}
	table := badTable(cases, answers)
	compareGolden(t, filepath.Join("testdata", "bad-server-clients.md"), table)
	compareREADME(t, table)
}

// portNumbers, times and the OpenSSL release curl names vary from run to
// run and machine to machine; the golden file holds none of them.
var (
	portNumbers = regexp.MustCompile(`(127\.0\.0\.1|\.test):\d+`)
	opensslRel  = regexp.MustCompile(`OpenSSL/\d+\.\d+\.\d+[a-z]*`)
	goTimes     = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
	sslLine     = regexp.MustCompile(` \(_ssl\.c:\d+\)`)
	// nssNicknames matches a certificate's line of certutil -L: trust flags last.
	nssNicknames = regexp.MustCompile(`(?m)\s[cCpPTu]*,[cCpPTu]*,[cCpPTu]*\s*$`)
	osslPrefix   = regexp.MustCompile(`^[0-9A-F]+:error:([0-9A-F]+):([^:]*):[^:]*:([^:]*):.*$`)
)

func normalize(s string) string {
	s = portNumbers.ReplaceAllString(s, "$1:PORT")
	s = opensslRel.ReplaceAllString(s, "OpenSSL/VERSION")
	return goTimes.ReplaceAllString(s, "TIME")
}

// curlAnswer is "ok", or curl's error line. For revoked it is also asked
// with --cert-status, which checks the stapled OCSP answer.
func curlAnswer(t *testing.T, curl, root, name, port string, alsoStatus bool) string {
	t.Helper()
	run := func(extra ...string) string {
		args := append([]string{"-sS", "-o", "/dev/null", "--max-time", "10", "--cacert", root,
			"--resolve", name + ":" + port + ":127.0.0.1"}, extra...)
		r := runTool(t, "", curl, append(args, "https://"+name+":"+port+"/")...)
		if r.code == 0 {
			return "ok"
		}
		return normalize(firstLine(r.stderr))
	}
	a := run()
	if alsoStatus {
		a += "; with --cert-status: " + run("--cert-status")
	}
	return a
}

// opensslAnswer is "ok" (with the OCSP status when one was stapled), or the
// verify error s_client prints, or its first error line without the
// process-specific prefix and source location.
func opensslAnswer(t *testing.T, openssl, root, name, port string) string {
	t.Helper()
	// One request, and -ign_eof to read until the server closes: a TLS 1.3
	// server refuses a missing client certificate after the handshake.
	r := runTool(t, "GET / HTTP/1.1\r\nHost: "+name+"\r\nConnection: close\r\n\r\n", openssl, "s_client",
		"-connect", "127.0.0.1:"+port, "-servername", name, "-ign_eof",
		"-CAfile", root, "-verify_return_error", "-verify_hostname", name, "-status")
	out := r.stdout + "\n" + r.stderr
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "verify error:") {
			return strings.TrimSpace(l)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if m := osslPrefix.FindStringSubmatch(l); m != nil {
			return "error:" + m[1] + ":" + m[2] + "::" + m[3]
		}
	}
	if r.code != 0 || !strings.Contains(r.stdout, "HTTP/1.1 200") {
		return fmt.Sprintf("exit %d, no HTTP answer", r.code)
	}
	if strings.Contains(out, "Cert Status: revoked") {
		return "ok; prints Cert Status: revoked"
	}
	return "ok"
}

// goAnswer is "ok" or crypto/tls's error with the defaults a Go program
// gets: the root as RootCAs, the name as ServerName, one HTTP request (a
// TLS 1.3 server refuses a missing client certificate after the handshake).
func goAnswer(t *testing.T, root, name, addr string) string {
	t.Helper()
	pem, err := os.ReadFile(root)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	d := &net.Dialer{Timeout: 10 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{RootCAs: pool, ServerName: name})
	if err == nil {
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", name)
		var b [16]byte
		_, err = conn.Read(b[:])
		if err == nil && !bytes.HasPrefix(b[:], []byte("HTTP/1.1 200")) {
			err = fmt.Errorf("answer %q", b[:])
		}
	}
	if err != nil {
		return normalize(err.Error())
	}
	return "ok"
}

// pythonClient connects to every name given and prints a JSON object of
// name -> "ok" or the exception, with Python's defaults for a client
// (ssl.create_default_context) and the root as its only CA file.
const pythonClient = `import json, socket, ssl, sys
port, cafile, names = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
out = {}
for name in names:
    ctx = ssl.create_default_context(cafile=cafile)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname=name) as t:
                t.sendall(b"GET / HTTP/1.1\r\nHost: " + name.encode() + b"\r\nConnection: close\r\n\r\n")
                first = t.recv(12)
                out[name] = "ok" if first.startswith(b"HTTP/1.1 200") else "answer %r" % first
    except Exception as e:
        out[name] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(out))
`

func pythonAnswers(t *testing.T, python, root, port string, cases []ca.FixtureCase) map[string]string {
	t.Helper()
	args := []string{"-c", pythonClient, port, root}
	for _, fc := range cases {
		args = append(args, ca.FixtureName(fc.Name))
	}
	r := runTool(t, "", python, args...)
	var byName map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &byName); err != nil {
		t.Fatalf("python: %v\n%s", err, r)
	}
	out := map[string]string{}
	for _, fc := range cases {
		out[fc.Name] = normalize(sslLine.ReplaceAllString(byName[ca.FixtureName(fc.Name)], ""))
	}
	return out
}

// chromiumAnswers visits every case in one browser. incomplete-chain goes
// first: nothing it saw before may supply the missing intermediate.
func chromiumAnswers(t *testing.T, chromium, port string, cases []ca.FixtureCase) map[string]string {
	t.Helper()
	url := func(c string) string { return "https://" + ca.FixtureName(c) + ":" + port + "/" }
	order := []string{url(ca.CaseIncompleteChain)}
	for _, fc := range cases {
		if fc.Name != ca.CaseIncompleteChain {
			order = append(order, url(fc.Name))
		}
	}
	got := chromiumVisit(t, chromium, order, "--host-resolver-rules=MAP *."+"bad.localca.test 127.0.0.1")
	out := map[string]string{}
	for _, fc := range cases {
		if a := got[url(fc.Name)]; a != "" {
			out[fc.Name] = a
		} else {
			out[fc.Name] = "ok"
		}
	}
	return out
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

// badTable is the Markdown table: a row per case, a column per client.
func badTable(cases []ca.FixtureCase, answers map[string]map[string]string) string {
	var b strings.Builder
	b.WriteString("| case | what is wrong |")
	for _, c := range badClients {
		b.WriteString(" " + c + " |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(badClients)) + "\n")
	for _, fc := range cases {
		fmt.Fprintf(&b, "| `%s` | %s |", fc.Name, fc.Defect)
		for _, c := range badClients {
			a := answers[c][fc.Name]
			cell := "`" + strings.ReplaceAll(a, "|", `\|`) + "`"
			if why, ok := notChecked[c][fc.Name]; ok && (a == "ok" || strings.HasPrefix(a, "ok;")) {
				cell = "**accepts** (" + why + ")"
				if rest, ok := strings.CutPrefix(a, "ok; "); ok {
					cell += "; " + "`" + rest + "`"
				}
			} else if a == "ok" {
				cell = "loads"
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("the clients' answers changed (run with -update if that is expected):\n--- %s\n%s\n--- now\n%s", path, want, got)
	}
}

// README.md shows the table between these markers.
const (
	readmeTableStart = "<!-- bad-server table: made by TestBadServerClients -update -->\n"
	readmeTableEnd   = "<!-- end of bad-server table -->\n"
)

func compareREADME(t *testing.T, table string) {
	t.Helper()
	path := filepath.Join("..", "..", "README.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i, j := strings.Index(s, readmeTableStart), strings.Index(s, readmeTableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no bad-server table markers %q ... %q", readmeTableStart, readmeTableEnd)
	}
	now := s[:i+len(readmeTableStart)] + table + s[j:]
	if now == s {
		return
	}
	if *updateGolden {
		if err := os.WriteFile(path, []byte(now), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's bad-server table is not testdata/bad-server-clients.md (run with -update)")
}

// TestBadServerDNS: while bad-server runs, `dns serve` answers the case
// names with its address (dig asks); when it stops, they are gone.
func TestBadServerDNS(t *testing.T) {
	dig := testkit.NeedTool(t, "dig")
	h := newHome(t)
	h.initCA()
	dnsSrv, dnsAddr := h.serve("dns", "serve", "--addr", "127.0.0.1:0", "--sync", "100ms")
	defer dnsSrv.stop(t)
	ask := func() string {
		r := runTool(t, "", dig, "@127.0.0.1", "-p", portOf(t, dnsAddr), "+short", "+tries=1", "+time=2", "tls1.0.bad.localca.test", "A")
		return strings.TrimSpace(r.stdout)
	}
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for got := ask(); got != want; got = ask() {
			if time.Now().After(deadline) {
				t.Fatalf("dig says %q, want %q", got, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	bad, _ := h.serve("demo", "bad-server", "--addr", "127.0.0.1:0")
	waitFor("127.0.0.1")
	bad.stop(t)
	waitFor("")
}
