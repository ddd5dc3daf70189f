package netdemo

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// idleSockets opens n connections to addr that never send a byte, closed
// at cleanup.
func idleSockets(t *testing.T, addr string, n int) {
	t.Helper()
	for range n {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			t.Fatalf("idle socket: %v", err)
		}
		t.Cleanup(func() { c.Close() })
	}
	time.Sleep(100 * time.Millisecond) // let the server accept them
}

// 300 sockets that say nothing kept real mTLS clients out until the 10 s
// handshake timeout. A real client (curl, openssl s_client) must now get
// through within 1 s while they are open: silent peers wait in a pool of
// their own, whose oldest member is dropped when it is full.
func TestIdleSocketsDoNotLockOut(t *testing.T) {
	e := newDemoEnv(t, time.Minute)
	client := e.pki.Client(t, "bob")
	t.Run("http-server and curl", func(t *testing.T) {
		curl := testkit.NeedTool(t, "curl")
		addr := strings.TrimPrefix(e.startHTTP(t, e.serverConfig(t, true), Limits{}), "https://")
		idleSockets(t, addr, 300)
		start := time.Now()
		out := testkit.MustRun(t, curl, "-sS", "--max-time", "1", "--cacert", e.pki.CAFile,
			"--cert", client.CertFile, "--key", client.KeyFile,
			"--resolve", testkit.ServerName+":"+portOfAddr(addr)+":127.0.0.1", "https://"+testkit.ServerName+":"+portOfAddr(addr)+"/whoami")
		if !strings.Contains(out, `"tls": true`) {
			t.Fatalf("curl /whoami: %s", out)
		}
		t.Logf("curl answered in %s beside 300 idle sockets", time.Since(start))
	})
	t.Run("tcp-server and openssl s_client", func(t *testing.T) {
		testkit.NeedTool(t, "openssl")
		addr := e.startTCP(t, e.serverConfig(t, true), Limits{})
		idleSockets(t, addr, 300)
		start := time.Now()
		out, _ := testkit.RunUntil(t, "", "hello ", "openssl", "s_client", "-connect", addr, "-servername", testkit.ServerName,
			"-CAfile", e.pki.CAFile, "-cert", client.CertFile, "-cert_chain", client.CertFile, "-key", client.KeyFile, "-quiet", "-no_ign_eof")
		took := time.Since(start)
		if !strings.Contains(out, "hello ") {
			t.Fatalf("s_client got no greeting: %s", out)
		}
		if took > time.Second {
			t.Errorf("s_client took %s beside 300 idle sockets, want under 1s", took)
		}
	})
	e.log.WaitFor(t, "pending handshakes", 5*time.Second)
}

func portOfAddr(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}
