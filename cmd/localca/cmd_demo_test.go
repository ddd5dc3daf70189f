package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// newCA makes a CA in a fresh home; its root is in h.path("root.pem").
func newCA(t *testing.T) (h *home, root string) {
	t.Helper()
	h = newHome(t)
	h.initCA()
	return h, h.path("root.pem")
}

// whoami is the part of the /whoami answer the tests read.
type whoami struct {
	Protocol   string `json:"protocol"`
	TLS        bool   `json:"tls"`
	TLSVersion string `json:"tls_version"`
	ALPN       string `json:"alpn"`
	ServerName string `json:"server_name"`
	Peer       *struct {
		Subject string `json:"subject"`
		Serial  string `json:"serial"`
	} `json:"peer"`
}

func parseWhoami(t *testing.T, r cliResult) whoami {
	t.Helper()
	var w whoami
	if err := json.Unmarshal([]byte(r.stdout), &w); err != nil {
		t.Fatalf("not a /whoami JSON answer: %v\n%s", err, r)
	}
	return w
}

// curlWhoami runs curl against https://web.localca.test:PORT/whoami with the
// name pinned to 127.0.0.1, so that the certificate's name is checked.
func curlWhoami(t *testing.T, root, addr string, extra ...string) cliResult {
	t.Helper()
	curl := testkit.NeedTool(t, "curl")
	port := portOf(t, addr)
	args := append([]string{"-sS", "--max-time", "10", "--cacert", root,
		"--resolve", "web.localca.test:" + port + ":127.0.0.1"}, extra...)
	return runTool(t, "", curl, append(args, "https://web.localca.test:"+port+"/whoami")...)
}

func TestDemoHTTPServerTLSWithCurl(t *testing.T) {
	t.Parallel()
	testkit.NeedTool(t, "curl")
	h, root := newCA(t)
	srv, addr := h.serve("demo", "http-server", "--tls", "--name", "web.localca.test", "--addr", "127.0.0.1:0")
	for _, tt := range []struct {
		flag, protocol, alpn string
	}{
		{"--http1.1", "HTTP/1.1", "http/1.1"},
		{"--http2", "HTTP/2.0", "h2"},
	} {
		t.Run(tt.flag, func(t *testing.T) {
			r := curlWhoami(t, root, addr, tt.flag)
			if r.code != 0 {
				t.Fatalf("curl failed: %s", r)
			}
			w := parseWhoami(t, r)
			if !w.TLS || !strings.HasPrefix(w.TLSVersion, "TLS 1.") {
				t.Errorf("tls %v, tls_version %q; want a TLS version", w.TLS, w.TLSVersion)
			}
			if w.Protocol != tt.protocol || w.ALPN != tt.alpn {
				t.Errorf("protocol %q alpn %q, want %q %q", w.Protocol, w.ALPN, tt.protocol, tt.alpn)
			}
			if w.ServerName != "web.localca.test" {
				t.Errorf("server_name %q, want the SNI curl sent", w.ServerName)
			}
			if w.Peer != nil {
				t.Errorf("plain TLS server reports a client certificate: %+v", w.Peer)
			}
		})
	}
	srv.stop(t)
}

func TestDemoHTTPServerMTLSWithCurlAndOpenSSL(t *testing.T) {
	t.Parallel()
	testkit.NeedTool(t, "curl")
	h, root := newCA(t)
	client := h.issue(h.out, "x.localca.test", "--client")
	peer := h.issue(h.out, "p.localca.test", "--profile", "peer")
	srv, addr := h.serve("demo", "http-server", "--mtls", "--name", "web.localca.test", "--addr", "127.0.0.1:0")

	t.Run("curl", func(t *testing.T) {
		for _, c := range []struct {
			name, subject string
			files         issued
		}{{"client profile", "CN=x.localca.test", client}, {"peer profile", "CN=p.localca.test", peer}} {
			t.Run(c.name, func(t *testing.T) {
				r := curlWhoami(t, root, addr, "--fail", "--cert", c.files.cert, "--key", c.files.key)
				if r.code != 0 {
					t.Fatalf("curl with a client certificate failed: %s", r)
				}
				w := parseWhoami(t, r)
				if w.Peer == nil || w.Peer.Subject != c.subject || !sameSerial(w.Peer.Serial, c.files.serial) {
					t.Errorf("peer %+v, want subject %s serial %s", w.Peer, c.subject, c.files.serial)
				}
			})
		}
		t.Run("no client certificate", func(t *testing.T) {
			r := curlWhoami(t, root, addr)
			if r.code == 0 || strings.Contains(r.stdout, "tls_version") {
				t.Fatalf("curl without a client certificate got through: %s", r)
			}
		})
	})

	t.Run("openssl s_client", func(t *testing.T) {
		openssl := testkit.NeedTool(t, "openssl")
		request := "GET /whoami HTTP/1.1\r\nHost: web.localca.test\r\nConnection: close\r\n\r\n"
		base := []string{"s_client", "-connect", addr, "-servername", "web.localca.test",
			"-verify_return_error", "-verify_hostname", "web.localca.test", "-CAfile", root, "-quiet"}
		t.Run("with certificate", func(t *testing.T) {
			// -cert sends only the leaf; -cert_chain adds the intermediate
			// that the server needs to build the chain to the root.
			r := runTool(t, request, openssl, append(base, "-cert", client.cert, "-cert_chain", client.cert, "-key", client.key)...)
			if r.code != 0 || !strings.HasPrefix(r.stdout, "HTTP/1.1 200 OK") || !strings.Contains(r.stdout, `"subject": "CN=x.localca.test"`) {
				t.Fatalf("openssl with a client certificate: want 200 with the client's subject: %s", r)
			}
		})
		t.Run("without certificate", func(t *testing.T) {
			r := runTool(t, request, openssl, base...)
			// The server's chain verifies (verify return:1 at depth 0), then
			// the server refuses: under TLS 1.3 that alert arrives after
			// the client's side of the handshake, on the first read.
			if r.code == 0 || strings.Contains(r.stdout, "HTTP/1.1") {
				t.Fatalf("openssl without a client certificate got an HTTP answer: %s", r)
			}
			// (Or a reset, when the request reaches the server's closed
			// socket before openssl reads the alert.)
			if !strings.Contains(r.stderr, "depth=0 CN = web.localca.test") || !regexp.MustCompile(`certificate required|reset by peer`).MatchString(r.stderr) {
				t.Errorf("want the server verified, then a 'certificate required' alert: %s", r)
			}
		})
	})
	srv.stop(t)
	if !strings.Contains(srv.stderr.String(), "didn't provide a certificate") {
		t.Errorf("the server did not log the refusal of the certificate-less clients:\n%s", srv.stderr)
	}
}

func TestDemoTCPServerMTLS(t *testing.T) {
	t.Parallel()
	h, root := newCA(t)
	client := h.issue(h.out, "x.localca.test", "--client")
	srv, addr := h.serve("demo", "tcp-server", "--mtls", "--name", "echo.localca.test", "--addr", "127.0.0.1:0")

	t.Run("gnutls-cli", func(t *testing.T) {
		gnutls := testkit.NeedTool(t, "gnutls-cli")
		cli := startProcess(t, gnutls, "--x509cafile", root, "--x509certfile", client.cert, "--x509keyfile", client.key,
			"-p", portOf(t, addr), "--sni-hostname", "echo.localca.test", "--verify-hostname", "echo.localca.test", "127.0.0.1")
		m, _ := cli.waitStdout(t, 0, regexp.MustCompile(`^hello "(CN=[^"]+)" \(serial ([0-9A-F]+)\), TLS`))
		if m[1] != "CN=x.localca.test" || !sameSerial(m[2], client.serial) {
			t.Errorf("greeting names %s serial %s, want CN=x.localca.test serial %s", m[1], m[2], client.serial)
		}
		if _, err := cli.stdin.Write([]byte("hello over gnutls\n")); err != nil {
			t.Fatal(err)
		}
		cli.waitStdout(t, 0, regexp.MustCompile(`^echo: hello over gnutls$`))
		cli.stdin.Close() // EOF: the server says bye and closes
		select {
		case <-cli.done:
		case <-time.After(10 * time.Second):
			t.Fatalf("gnutls-cli did not exit after EOF\n%s", cli.stdout)
		}
		if cli.err != nil {
			t.Errorf("gnutls-cli: %v\nstdout:\n%s\nstderr:\n%s", cli.err, cli.stdout, cli.stderr)
		}
	})

	t.Run("localca demo tcp-client", func(t *testing.T) {
		r := h.in(t).subprocess("one\ntwo\n", "demo", "tcp-client", "--mtls", "--name", "c.localca.test",
			"--server-name", "echo.localca.test", "--addr", addr)
		if r.code != 0 {
			t.Fatalf("tcp-client: %s", r)
		}
		for _, want := range []string{`server "CN=echo.localca.test"`, `hello "CN=c.localca.test"`, "echo: one\necho: two\n"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("tcp-client output lacks %q: %s", want, r)
			}
		}
	})

	t.Run("localca demo tcp-client, wrong server name", func(t *testing.T) {
		r := h.in(t).subprocess("one\n", "demo", "tcp-client", "--mtls", "--name", "c.localca.test",
			"--server-name", "other.localca.test", "--addr", addr)
		if r.code != 1 || strings.Contains(r.stdout, "echo: one") || !strings.Contains(r.stderr, "other.localca.test") {
			t.Fatalf("want exit 1 naming the name the certificate lacks: %s", r)
		}
	})
	srv.stop(t)
}

func TestDemoUDP(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	srv, addr := h.serve("demo", "udp-server", "--addr", "127.0.0.1:0")

	t.Run("socat", func(t *testing.T) {
		socat := testkit.NeedTool(t, "socat")
		r := runTool(t, "hello over socat\n", socat, "-t", "1", "-", "UDP:"+addr)
		if r.code != 0 || r.stdout != "hello over socat\n" {
			t.Fatalf("socat: want the datagram echoed: %s", r)
		}
	})
	t.Run("udp-client", func(t *testing.T) {
		r := h.in(t).subprocess("", "demo", "udp-client", "--addr", addr, "hello", "udp")
		if r.code != 0 || !strings.Contains(r.stdout, "reply: hello udp") {
			t.Fatalf("udp-client: %s", r)
		}
	})

	// A silent socket: it receives but never answers.
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()

	t.Run("over --max-payload: refused before sending", func(t *testing.T) {
		r := h.in(t).subprocess(strings.Repeat("a", 2000)+"\n", "demo", "udp-client", "--addr", silent.LocalAddr().String(), "--max-payload", "1000")
		if r.code != 1 || strings.Count(r.stdout+r.stderr, "exceeds the limit of 1000 bytes (nothing sent)") != 1 {
			t.Fatalf("want exit 1 and the limit named once: %s", r)
		}
		silent.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if n, _, err := silent.ReadFrom(make([]byte, 4096)); err == nil {
			t.Fatalf("a datagram of %d bytes was sent", n)
		}
	})
	t.Run("no server: connection refused", func(t *testing.T) {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := pc.LocalAddr().String()
		pc.Close()
		r := h.in(t).subprocess("", "demo", "udp-client", "--addr", closed, "--timeout", "2s", "anyone")
		if r.code != 1 || strings.Count(r.stdout+r.stderr, "no reply from "+closed) != 1 {
			t.Fatalf("want exit 1 and 'no reply': %s", r)
		}
	})
	t.Run("no answer: timeout", func(t *testing.T) {
		start := time.Now()
		r := h.in(t).subprocess("", "demo", "udp-client", "--addr", silent.LocalAddr().String(), "--timeout", "500ms", "anyone")
		if r.code != 1 || strings.Count(r.stdout+r.stderr, "no reply from "+silent.LocalAddr().String()) != 1 {
			t.Fatalf("want exit 1 and 'no reply': %s", r)
		}
		if d := time.Since(start); d < 500*time.Millisecond {
			t.Errorf("gave up after %s, before its 500ms timeout", d)
		}
	})
	srv.stop(t)
}

// refusalLogged waits for the server to log a refusal of the certificate
// with this serial, for the reason re names.
func refusalLogged(t *testing.T, srv *server, serial string, re string) {
	t.Helper()
	s := strings.TrimLeft(strings.ToLower(serial), "0")
	srv.wait(t, srv.stderr, 0, regexp.MustCompile(`(?i)serial 0*`+s+`\b.*`+re+`|`+re+`.*serial 0*`+s+`\b`), 10*time.Second)
}

func TestDemoMTLSRefusals(t *testing.T) {
	t.Parallel()
	testkit.NeedTool(t, "curl")
	h, root := newCA(t)
	srv, addr := h.serve("demo", "http-server", "--mtls", "--name", "web.localca.test", "--addr", "127.0.0.1:0",
		"--allow", "dns:ok.localca.test", "--allow", "dns:rev.localca.test", "--crl-refresh", "1s")

	// Both clients: curl, and localca's own http-client (exit code 1).
	refused := func(t *testing.T, certArgs ...string) (curl, own cliResult) {
		t.Helper()
		curl = curlWhoami(t, root, addr, certArgs...)
		if curl.code == 0 || strings.Contains(curl.stdout, "tls_version") {
			t.Errorf("curl got through: %s", curl)
		}
		args := []string{"demo", "http-client", "--addr", addr, "--server-name", "web.localca.test", "--ca", root, "--tls"}
		if len(certArgs) > 0 {
			args = append(append(args, "--mtls"), certArgs...)
		}
		own = h.in(t).subprocess("", args...)
		if own.code != 1 || strings.Contains(own.stdout, "tls_version") || !strings.HasPrefix(own.stderr, "localca: ") {
			t.Errorf("localca demo http-client: want exit 1 with a message: %s", own)
		}
		return curl, own
	}
	accepted := func(t *testing.T, c issued) {
		t.Helper()
		r := curlWhoami(t, root, addr, "--fail", "--cert", c.cert, "--key", c.key)
		if r.code != 0 {
			t.Fatalf("curl with %s refused: %s", c.cert, r)
		}
		if w := parseWhoami(t, r); w.Peer == nil || !sameSerial(w.Peer.Serial, c.serial) {
			t.Fatalf("whoami %+v, want serial %s", w.Peer, c.serial)
		}
	}

	t.Run("allowed client certificate is accepted", func(t *testing.T) {
		t.Parallel()
		h := h.in(t)
		accepted(t, h.issue(t.TempDir(), "ok.localca.test", "--client"))
	})
	t.Run("no client certificate", func(t *testing.T) {
		t.Parallel()
		_, own := refused(t)
		// Under TLS 1.3 the refusal comes after the client's handshake is
		// done: the client reads the server's "certificate required" alert,
		// or, when its request reaches the closed socket first, a reset.
		if !regexp.MustCompile(`certificate required|reset by peer|broken pipe|could not be established|EOF`).MatchString(own.stderr) {
			t.Errorf("the client's message should show the refusal: %s", own)
		}
	})
	t.Run("certificate from another CA", func(t *testing.T) {
		t.Parallel()
		c := newHome(t).issue(t.TempDir(), "ok.localca.test", "--client")
		refused(t, "--cert", c.cert, "--key", c.key)
		refusalLogged(t, srv, c.serial, "not trusted|unknown authority")
	})
	t.Run("server-only certificate", func(t *testing.T) {
		t.Parallel()
		h := h.in(t)
		c := h.issue(t.TempDir(), "ok.localca.test") // server profile: serverAuth only
		refused(t, "--cert", c.cert, "--key", c.key)
		refusalLogged(t, srv, c.serial, "key usage")
	})
	t.Run("certificate not on --allow", func(t *testing.T) {
		t.Parallel()
		h := h.in(t)
		c := h.issue(t.TempDir(), "other.localca.test", "--client")
		refused(t, "--cert", c.cert, "--key", c.key)
		refusalLogged(t, srv, c.serial, "not allowed")
	})
	t.Run("revoked certificate", func(t *testing.T) {
		t.Parallel()
		h := h.in(t)
		if r := h.run("revoke", "--help"); r.code != 0 {
			if os.Getenv("CI") == "true" {
				t.Fatalf("localca has no revoke command (CI=true): %s", r)
			}
			t.Skipf("localca has no revoke command yet (`localca revoke --help` exits %d)", r.code)
		}
		c := h.issue(t.TempDir(), "rev.localca.test", "--client")
		accepted(t, c)
		h.ok("revoke", c.serial)
		// The server re-reads the CRL every second (--crl-refresh 1s).
		deadline := time.Now().Add(10 * time.Second)
		for {
			r := curlWhoami(t, root, addr, "--cert", c.cert, "--key", c.key)
			if r.code != 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("a revoked certificate still accepted 10s after `localca revoke`: %s", r)
			}
			time.Sleep(250 * time.Millisecond)
		}
		refused(t, "--cert", c.cert, "--key", c.key)
		refusalLogged(t, srv, c.serial, "revoked")
	})
	t.Cleanup(func() { srv.stop(t) })
}

// getOnce connects with Go's HTTP/1.1 client and returns the server
// certificate's serial and whether the connection was reused.
func getOnce(t *testing.T, client *http.Client, url string) (serial string, reused bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	var w whoami
	if err := json.NewDecoder(resp.Body).Decode(&w); err != nil || resp.StatusCode != http.StatusOK || !w.TLS {
		t.Fatalf("GET %s: %s, %v", url, resp.Status, err)
	}
	return resp.TLS.PeerCertificates[0].SerialNumber.Text(16), reused
}

var curlSerial = regexp.MustCompile(`Serial Number:([0-9a-fA-F]+)`)

func TestDemoHotReloadFromFiles(t *testing.T) {
	t.Parallel()
	curl := testkit.NeedTool(t, "curl")
	h, root := newCA(t)
	first := h.issue(h.out, "web.localca.test")
	srv, addr := h.serve("demo", "http-server", "--tls", "--cert", first.cert, "--key", first.key, "--addr", "127.0.0.1:0")
	port := portOf(t, addr)

	// A Go client whose one HTTP/1.1 keep-alive connection outlives the reload.
	pem, err := os.ReadFile(root)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "web.localca.test", NextProtos: []string{"http/1.1"}},
		MaxIdleConns:    1, MaxConnsPerHost: 1, IdleConnTimeout: time.Minute,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	url := "https://" + addr + "/whoami"
	if s, _ := getOnce(t, client, url); !sameSerial(s, first.serial) {
		t.Fatalf("served serial %s, want %s", s, first.serial)
	}

	curlServed := func() string {
		r := runTool(t, "", curl, "-sS", "--max-time", "10", "-o", os.DevNull, "-w", "%{certs}", "--cacert", root,
			"--resolve", "web.localca.test:"+port+":127.0.0.1", "https://web.localca.test:"+port+"/whoami")
		m := curlSerial.FindStringSubmatch(r.stdout)
		if r.code != 0 || m == nil {
			t.Fatalf("curl: no server serial: %s", r)
		}
		return m[1] // the leaf comes first
	}
	if s := curlServed(); !sameSerial(s, first.serial) {
		t.Fatalf("curl sees serial %s, want %s", s, first.serial)
	}

	second := h.issue(h.out, "web.localca.test") // overwrites both files
	if second.cert != first.cert || sameSerial(second.serial, first.serial) {
		t.Fatalf("reissue wrote %s serial %s", second.cert, second.serial)
	}
	deadline := time.Now().Add(15 * time.Second)
	for s := curlServed(); !sameSerial(s, second.serial); s = curlServed() {
		if time.Now().After(deadline) {
			t.Fatalf("still serving %s 15s after the files changed, want %s\nstderr:\n%s", s, second.serial, srv.stderr)
		}
		time.Sleep(250 * time.Millisecond)
	}
	s, reused := getOnce(t, client, url)
	if !reused || !sameSerial(s, first.serial) {
		t.Errorf("the connection opened before the reload: reused %v, serial %s; want reused with the old serial %s", reused, s, first.serial)
	}
	srv.wait(t, srv.stderr, 0, regexp.MustCompile(`^reloaded `+regexp.QuoteMeta(first.cert)), 5*time.Second)
	srv.stop(t)
}
