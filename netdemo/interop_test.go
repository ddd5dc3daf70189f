package netdemo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// runTool runs a real client we did not write, writes input to its stdin,
// and keeps stdin open until the output contains want (or the tool exits, or
// 15s pass), so that tools which quit on end of input still read the reply.
// It returns everything the tool printed and its exit error.
func runTool(t *testing.T, input, want string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, needTool(t, name), args...)
	out := newSyncBuffer()
	cmd.Stdout, cmd.Stderr = out, out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	io.WriteString(stdin, input)
	for !strings.Contains(out.String(), want) {
		select {
		case err := <-exited:
			return out.String(), err
		case <-out.notify:
		case <-ctx.Done():
			stdin.Close()
			return out.String(), fmt.Errorf("%s: no %q within 15s: %w", name, want, <-exited)
		}
	}
	stdin.Close()
	return out.String(), <-exited
}

func port(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(strings.TrimPrefix(addr, "https://"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCurl(t *testing.T) {
	needTool(t, "curl")
	e := newDemoEnv(t, time.Minute)
	alice := e.pki.client(t, "alice")
	revoked := e.pki.client(t, "eve")
	e.src.publish(e.pki.crl(t, time.Hour, revoked.leaf))
	if err := e.checker.Update(testCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	tlsURL := e.startHTTP(t, e.serverConfig(t, false), Limits{})
	mtlsURL := e.startHTTP(t, e.serverConfig(t, true), Limits{})
	curl := func(url string, extra ...string) []string {
		p := port(t, url)
		return append([]string{"-sS", "--fail", "--max-time", "10", "--cacert", e.pki.caFile,
			"--resolve", testServerName + ":" + p + ":127.0.0.1",
			"https://" + testServerName + ":" + p + "/whoami"}, extra...)
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
		{"mtls", curl(mtlsURL, "--cert", alice.certFile, "--key", alice.keyFile), true, "", "HTTP/2.0", "CN=alice"},
		{"mtls without certificate", curl(mtlsURL), false, "didn't provide a certificate", "", ""},
		{"mtls revoked certificate", curl(mtlsURL, "--cert", revoked.certFile, "--key", revoked.keyFile), false, "peer certificate revoked", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runTool(t, "", "\n}", "curl", tt.args...)
			if !tt.ok {
				// curl reports the server's alert: the server reads what
				// curl sent before closing (http_handshake.go), so no
				// reset overtakes the alert.
				if err == nil || strings.Contains(out, "{") || !strings.Contains(out, "alert") {
					t.Fatalf("refused curl: %v\n%s", err, out)
				}
				e.log.waitFor(t, tt.want, 5*time.Second)
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
	needTool(t, "openssl")
	e := newDemoEnv(t, time.Minute)
	alice := e.pki.client(t, "alice")
	url := e.startHTTP(t, e.serverConfig(t, true), Limits{})
	base := []string{"s_client", "-connect", "127.0.0.1:" + port(t, url), "-servername", testServerName,
		"-CAfile", e.pki.caFile, "-verify_return_error", "-alpn", "http/1.1", "-ign_eof"}
	req := "GET /whoami HTTP/1.1\r\nHost: " + testServerName + "\r\nConnection: close\r\n\r\n"
	tests := []struct {
		name string
		args []string
		want string
		ok   bool
	}{
		{"client certificate", []string{"-verify_hostname", testServerName, "-cert", alice.certFile, "-cert_chain", alice.certFile, "-key", alice.keyFile}, `"subject": "CN=alice"`, true},
		{"no client certificate", []string{"-verify_hostname", testServerName}, "alert certificate required", false},
		{"wrong host name", []string{"-verify_hostname", "other.localca.test", "-cert", alice.certFile, "-cert_chain", alice.certFile, "-key", alice.keyFile}, "hostname mismatch", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runTool(t, req, tt.want, "openssl", append(base, tt.args...)...)
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
	needTool(t, "gnutls-cli")
	e := newDemoEnv(t, time.Minute)
	alice := e.pki.client(t, "alice")
	addr := e.startTCP(t, e.serverConfig(t, true), Limits{})
	base := []string{"-p", port(t, addr), "--x509cafile", e.pki.caFile, "--sni-hostname", testServerName,
		"--verify-hostname", testServerName, "127.0.0.1"}
	t.Run("client certificate", func(t *testing.T) {
		args := append([]string{"--x509certfile", alice.certFile, "--x509keyfile", alice.keyFile}, base...)
		out, err := runTool(t, "hello gnutls\n", "echo: hello gnutls", "gnutls-cli", args...)
		if !strings.Contains(out, `hello "CN=alice"`) || !strings.Contains(out, "echo: hello gnutls") {
			t.Fatalf("gnutls-cli (%v):\n%s", err, out)
		}
	})
	t.Run("no client certificate", func(t *testing.T) {
		out, err := runTool(t, "hello gnutls\n", "certificate required", "gnutls-cli", base...)
		if strings.Contains(out, "echo: hello gnutls") || !strings.Contains(strings.ToLower(out), "certificate") {
			t.Fatalf("gnutls-cli without a certificate (%v):\n%s", err, out)
		}
	})
}

func TestSocatUDP(t *testing.T) {
	needTool(t, "socat")
	addr := serveUDP(t, &UDPServer{})
	out, err := runTool(t, "hello udp\n", "hello udp", "socat", "-T", "5", "-", "UDP:"+addr)
	if !strings.Contains(out, "hello udp") {
		t.Fatalf("socat (%v): %q", err, out)
	}
}
