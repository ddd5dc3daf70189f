package netdemo

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/localca/localca/internal/serialhex"
	"github.com/localca/localca/internal/testkit"
)

// demoEnv is a CA with a server certificate, a CRL distribution point and a
// revocation checker refreshing from it.
type demoEnv struct {
	pki     *testkit.PKI
	server  *testkit.Leaf
	id      *Identity
	src     *crlSource
	checker *CRLChecker
	log     *testkit.Buffer
}

func newDemoEnv(t *testing.T, refresh time.Duration) *demoEnv {
	t.Helper()
	e := &demoEnv{pki: testkit.NewPKI(t, "Test"), src: &crlSource{}, log: testkit.NewBuffer()}
	e.server = e.pki.Server(t)
	e.id = NewIdentity(e.server.Cert)
	e.src.publish(e.pki.CRL(t, time.Hour))
	e.checker = &CRLChecker{Fetch: e.src.fetch, Issuers: []*x509.Certificate{e.pki.Inter}, Refresh: refresh, Log: e.log}
	if err := e.checker.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.checker.Close() })
	return e
}

// serverConfig returns the TLS (mtls=false) or mTLS server config.
func (e *demoEnv) serverConfig(t *testing.T, mtls bool, allow ...string) *tls.Config {
	t.Helper()
	st := ServerTLS{Identity: e.id}
	if mtls {
		rules, err := ParseAllowRules(allow)
		if err != nil {
			t.Fatal(err)
		}
		st.ClientCAs, st.Revocation, st.Allow = e.pki.Pool, e.checker, rules
	}
	cfg, err := st.Config()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// clientConfig returns a client config trusting the test CA, presenting
// leaf (nil for none).
func (e *demoEnv) clientConfig(t *testing.T, leaf *testkit.Leaf, cache tls.ClientSessionCache) *tls.Config {
	t.Helper()
	ct := ClientTLS{RootCAs: e.pki.Pool, ServerName: testkit.ServerName, SessionCache: cache}
	if leaf != nil {
		ct.Identity = NewIdentity(leaf.Cert)
	}
	cfg, err := ct.Config()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func (e *demoEnv) startTCP(t *testing.T, cfg *tls.Config, lim Limits) string {
	t.Helper()
	srv := &TCPServer{TLS: cfg, Limits: lim, Log: e.log}
	return serve(t, listen(t), srv.Serve)
}

// greet dials addr, reads the server's first line and returns it with the
// connection state. With TLS 1.3 a refused client certificate shows up here,
// as the read error, not as a handshake error.
func greet(ctx context.Context, addr string, cfg *tls.Config) (string, tls.ConnectionState, error) {
	d := &tls.Dialer{Config: cfg}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", tls.ConnectionState{}, err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	tc := c.(*tls.Conn)
	line, err := bufio.NewReader(tc).ReadString('\n')
	return line, tc.ConnectionState(), err
}

// runClient runs a TCPClient fed by a pipe; it returns the input writer, the
// output, and a channel with Run's result.
func runClient(t *testing.T, addr string, cfg *tls.Config) (*io.PipeWriter, *testkit.Buffer, <-chan error) {
	t.Helper()
	pr, pw := io.Pipe()
	out := testkit.NewBuffer()
	done := make(chan error, 1)
	c := &TCPClient{TLS: cfg, Out: out, Timeout: 5 * time.Second}
	ctx := testCtx(t, 20*time.Second)
	go func() { done <- c.Run(ctx, addr, pr) }()
	t.Cleanup(func() { pw.Close() })
	return pw, out, done
}

func waitErr(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("client did not finish within 10s")
		return nil
	}
}

// TestTCPDuplex shows the server speaking unprompted (greeting, ticks) while
// the client is silent, then echoing, then closing after the client's EOF.
func TestTCPDuplex(t *testing.T) {
	srv := &TCPServer{Tick: 20 * time.Millisecond}
	addr := serve(t, listen(t), srv.Serve)
	in, out, done := runClient(t, addr, nil)
	out.WaitFor(t, "hello anonymous", 5*time.Second)
	out.WaitFor(t, "tick ", 5*time.Second) // nothing sent yet: the server writes when it likes
	io.WriteString(in, "ping\n")
	out.WaitFor(t, "echo: ping", 5*time.Second)
	in.Close()
	if err := waitErr(t, done); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if !strings.Contains(out.String(), "bye") {
		t.Fatalf("no goodbye after the client closed its side:\n%s", out)
	}
}

func TestTCPTLSAndMTLS(t *testing.T) {
	e := newDemoEnv(t, time.Minute)
	client := e.pki.Client(t, "alice")
	for _, mtls := range []bool{false, true} {
		name := map[bool]string{false: "tls", true: "mtls"}[mtls]
		t.Run(name, func(t *testing.T) {
			addr := e.startTCP(t, e.serverConfig(t, mtls), Limits{})
			in, out, done := runClient(t, addr, e.clientConfig(t, client, nil))
			out.WaitFor(t, "connected to "+addr+": TLS 1.3", 5*time.Second)
			out.WaitFor(t, "hello ", 5*time.Second)
			if got := strings.Contains(out.String(), "CN=alice"); got != mtls {
				t.Fatalf("greeting names the client certificate = %v, want %v:\n%s", got, mtls, out)
			}
			io.WriteString(in, "over TLS\n")
			out.WaitFor(t, "echo: over TLS", 5*time.Second)
			in.Close()
			if err := waitErr(t, done); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestTCPHotReload swaps the server certificate while a client is connected:
// the next client sees the new certificate and the first keeps working.
func TestTCPHotReload(t *testing.T) {
	e := newDemoEnv(t, time.Minute)
	addr := e.startTCP(t, e.serverConfig(t, true), Limits{})
	cfg := e.clientConfig(t, e.pki.Client(t, "alice"), nil)
	in, out, _ := runClient(t, addr, cfg)
	out.WaitFor(t, "hello ", 5*time.Second)
	oldSerial := serialhex.FormatInt(e.server.Leaf.SerialNumber)
	if !strings.Contains(out.String(), oldSerial) {
		t.Fatalf("first client did not see serial %s:\n%s", oldSerial, out)
	}

	renewed := e.pki.Server(t)
	e.id.Set(renewed.Cert)

	_, cs, err := greet(testCtx(t, 5*time.Second), addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := cs.PeerCertificates[0].SerialNumber; got.Cmp(renewed.Leaf.SerialNumber) != 0 {
		t.Fatalf("new client got serial %x, want the renewed %x", got, renewed.Leaf.SerialNumber)
	}
	io.WriteString(in, "still here\n")
	out.WaitFor(t, "echo: still here", 5*time.Second)
}

// TestTCPFileReload renews the files on disk; WatchFiles picks them up.
func TestTCPFileReload(t *testing.T) {
	pki := testkit.NewPKI(t, "Test")
	first, second := pki.Server(t), pki.Server(t)
	id, err := NewFileIdentity(first.CertFile, first.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	var reloads atomic.Int32
	go id.WatchFiles(testCtx(t, 10*time.Second), 10*time.Millisecond, func(error) { reloads.Add(1) })
	copyFile(t, second.CertFile, first.CertFile)
	copyFile(t, second.KeyFile, first.KeyFile)
	waitUntil(t, 5*time.Second, func() bool {
		return id.Certificate().Leaf.SerialNumber.Cmp(second.Leaf.SerialNumber) == 0
	})
	if reloads.Load() == 0 {
		t.Fatal("onReload was never called")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeAtomic(to, b); err != nil {
		t.Fatal(err)
	}
}

func TestTCPShutdownSaysBye(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ln := listen(t)
	served := make(chan error, 1)
	go func() { served <- (&TCPServer{}).Serve(ctx, ln) }()
	_, out, done := runClient(t, ln.Addr().String(), nil)
	out.WaitFor(t, "hello", 5*time.Second)
	cancel()
	out.WaitFor(t, "bye: server shutting down", 5*time.Second)
	if err := waitErr(t, done); err != nil {
		t.Fatalf("client: %v", err)
	}
	if err := waitErr(t, served); err != nil {
		t.Fatalf("server: %v", err)
	}
}

// TestTCPSlowClients: a client that never handshakes, one that never ends
// its line, and one that sends a line too long are all cut off, while a
// normal client is served meanwhile.
func TestTCPSlowClients(t *testing.T) {
	e := newDemoEnv(t, time.Minute)
	lim := Limits{HandshakeTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, MaxLineBytes: 64}
	addr := e.startTCP(t, e.serverConfig(t, false), lim)
	cfg := e.clientConfig(t, nil, nil)

	t.Run("no handshake", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("server did not close a silent connection: %v", err)
		}
		e.log.WaitFor(t, "handshake refused", 5*time.Second)
	})
	t.Run("unfinished line", func(t *testing.T) {
		c, err := tls.Dial("tcp", addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "never ends")
		all, _ := io.ReadAll(c)
		if !strings.Contains(string(all), "bye: timed out") {
			t.Fatalf("got %q, want the timeout goodbye", all)
		}
	})
	t.Run("line too long", func(t *testing.T) {
		c, err := tls.Dial("tcp", addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, strings.Repeat("x", 200)+"\n")
		all, _ := io.ReadAll(c)
		if !strings.Contains(string(all), "error: line longer than 64 bytes") {
			t.Fatalf("got %q", all)
		}
	})
	t.Run("others still served", func(t *testing.T) {
		stalled, err := net.Dial("tcp", addr) // holds a connection open without a handshake
		if err != nil {
			t.Fatal(err)
		}
		defer stalled.Close()
		line, _, err := greet(testCtx(t, 5*time.Second), addr, cfg)
		if err != nil || !strings.HasPrefix(line, "hello") {
			t.Fatalf("normal client: %q, %v", line, err)
		}
	})
}
