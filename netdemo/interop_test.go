package netdemo

import (
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(strings.TrimPrefix(addr, "https://"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCurl(t *testing.T) {
	testkit.NeedTool(t, "curl")
	e := newDemoEnv(t, time.Minute)
	alice := e.pki.Client(t, "alice")
	revoked := e.pki.Client(t, "eve")
	e.src.publish(e.pki.CRL(t, time.Hour, revoked.Leaf))
	if err := e.checker.Update(testCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	tlsURL := e.startHTTP(t, e.serverConfig(t, false), Limits{})
	mtlsURL := e.startHTTP(t, e.serverConfig(t, true), Limits{})
	curl := func(url string, extra ...string) []string {
		p := port(t, url)
		return append([]string{"-sS", "--fail", "--max-time", "10", "--cacert", e.pki.CAFile,
			"--resolve", testkit.ServerName + ":" + p + ":127.0.0.1",
			"https://" + testkit.ServerName + ":" + p + "/whoami"}, extra...)
	}
	tests := []struct {
		name    string
		args    []string
		ok      bool
		want    string // for a refusal: the reason in the server's log
		proto   string
		subject string
	}{
		{"tls h2", curl(tlsURL), true, "", "HTTP/2.0", ""},
		{"tls http1.1", curl(tlsURL, "--http1.1"), true, "", "HTTP/1.1", ""},
		{"mtls", curl(mtlsURL, "--cert", alice.CertFile, "--key", alice.KeyFile), true, "", "HTTP/2.0", "CN=alice"},
		{"mtls without certificate", curl(mtlsURL), false, "didn't provide a certificate", "", ""},
		{"mtls revoked certificate", curl(mtlsURL, "--cert", revoked.CertFile, "--key", revoked.KeyFile), false, "peer certificate revoked", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := testkit.RunUntil(t, "", "\n}", "curl", tt.args...)
			if !tt.ok {
				// curl reports the server's alert: the server reads what
				// curl sent before closing (http_handshake.go), so no
				// reset overtakes the alert.
				if err == nil || strings.Contains(out, "{") || !strings.Contains(out, "alert") {
					t.Fatalf("refused curl: %v\n%s", err, out)
				}
				e.log.WaitFor(t, tt.want, 5*time.Second)
				t.Logf("curl says: %s", strings.TrimSpace(out))
				return
			}
			if err != nil {
				t.Fatalf("curl: %v\n%s", err, out)
			}
			var info ConnInfo
			if err := json.Unmarshal([]byte(out), &info); err != nil {
				t.Fatalf("answer %q: %v", out, err)
			}
			if info.Protocol != tt.proto || info.TLSVersion != "TLS 1.3" {
				t.Fatalf("answer %+v, want %s over TLS 1.3", info, tt.proto)
			}
			if got := ""; info.Peer != nil {
				got = info.Peer.Subject
				if got != tt.subject {
					t.Fatalf("peer %q, want %q", got, tt.subject)
				}
			} else if tt.subject != "" {
				t.Fatalf("no peer, want %q", tt.subject)
			}
		})
	}
}

// TestOpenSSLSClient: with TLS 1.3 a refused client certificate is reported
// after s_client's handshake, so each case sends a request and checks the
// reply rather than trusting the exit code.
func TestOpenSSLSClient(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	e := newDemoEnv(t, time.Minute)
	alice := e.pki.Client(t, "alice")
	url := e.startHTTP(t, e.serverConfig(t, true), Limits{})
	base := []string{"s_client", "-connect", "127.0.0.1:" + port(t, url), "-servername", testkit.ServerName,
		"-CAfile", e.pki.CAFile, "-verify_return_error", "-alpn", "http/1.1", "-ign_eof"}
	req := "GET /whoami HTTP/1.1\r\nHost: " + testkit.ServerName + "\r\nConnection: close\r\n\r\n"
	tests := []struct {
		name string
		args []string
		want string
		ok   bool
	}{
		{"client certificate", []string{"-verify_hostname", testkit.ServerName, "-cert", alice.CertFile, "-cert_chain", alice.CertFile, "-key", alice.KeyFile}, `"subject": "CN=alice"`, true},
		{"no client certificate", []string{"-verify_hostname", testkit.ServerName}, "alert certificate required", false},
		{"wrong host name", []string{"-verify_hostname", "other.localca.test", "-cert", alice.CertFile, "-cert_chain", alice.CertFile, "-key", alice.KeyFile}, "hostname mismatch", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := testkit.RunUntil(t, req, tt.want, "openssl", append(base, tt.args...)...)
			if !strings.Contains(out, tt.want) {
				t.Fatalf("openssl s_client (%v) output lacks %q:\n%s", err, tt.want, out)
			}
			if served := strings.Contains(out, "HTTP/1.1 200"); served != tt.ok {
				t.Fatalf("served = %v, want %v:\n%s", served, tt.ok, out)
			}
		})
	}
}

// TestGnuTLSCli talks to the TCP echo server: the greeting arrives before
// the client sends anything, then its line comes back.
func TestGnuTLSCli(t *testing.T) {
	testkit.NeedTool(t, "gnutls-cli")
	e := newDemoEnv(t, time.Minute)
	alice := e.pki.Client(t, "alice")
	addr := e.startTCP(t, e.serverConfig(t, true), Limits{})
	base := []string{"-p", port(t, addr), "--x509cafile", e.pki.CAFile, "--sni-hostname", testkit.ServerName,
		"--verify-hostname", testkit.ServerName, "127.0.0.1"}
	t.Run("client certificate", func(t *testing.T) {
		args := append([]string{"--x509certfile", alice.CertFile, "--x509keyfile", alice.KeyFile}, base...)
		out, err := testkit.RunUntil(t, "hello gnutls\n", "echo: hello gnutls", "gnutls-cli", args...)
		if !strings.Contains(out, `hello "CN=alice"`) || !strings.Contains(out, "echo: hello gnutls") {
			t.Fatalf("gnutls-cli (%v):\n%s", err, out)
		}
	})
	t.Run("no client certificate", func(t *testing.T) {
		out, err := testkit.RunUntil(t, "hello gnutls\n", "certificate required", "gnutls-cli", base...)
		if strings.Contains(out, "echo: hello gnutls") || !strings.Contains(strings.ToLower(out), "certificate") {
			t.Fatalf("gnutls-cli without a certificate (%v):\n%s", err, out)
		}
	})
}

func TestSocatUDP(t *testing.T) {
	testkit.NeedTool(t, "socat")
	addr := serveUDP(t, &UDPServer{})
	out, err := testkit.RunUntil(t, "hello udp\n", "hello udp", "socat", "-T", "5", "-", "UDP:"+addr)
	if !strings.Contains(out, "hello udp") {
		t.Fatalf("socat (%v): %q", err, out)
	}
}
