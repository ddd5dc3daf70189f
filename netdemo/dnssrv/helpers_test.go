package dnssrv

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// mustRR parses a record or fails the test.
func mustRR(t testing.TB, text string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(text)
	if err != nil {
		t.Fatalf("NewRR(%q): %v", text, err)
	}
	return rr
}

// mustZone builds a localca.test. zone holding the given records.
func mustZone(t testing.TB, records ...string) *Zone {
	t.Helper()
	var rrs []dns.RR
	for _, r := range records {
		rrs = append(rrs, mustRR(t, r))
	}
	z, err := NewZone(ZoneConfig{Records: rrs, Serial: 1})
	if err != nil {
		t.Fatalf("NewZone: %v", err)
	}
	return z
}

// testServer is a running Server on 127.0.0.1 with UDP and TCP on the same
// port.
type testServer struct {
	*Server
	addr string
}

// startServer serves srv on loopback until the test ends, returning once
// both listeners are serving.
func startServer(t testing.TB, srv *Server) *testServer {
	t.Helper()
	pc, ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv.NotifyStarted = func() { close(started) }
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ctx, pc, ln) }()
	select {
	case <-started:
	case err := <-errc:
		cancel()
		t.Fatalf("Serve: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("server did not start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Serve returned %v", err)
		}
	})
	return &testServer{Server: srv, addr: pc.LocalAddr().String()}
}

// exchange sends one query over net ("udp" or "tcp").
func exchange(t testing.TB, addr, netw string, m *dns.Msg) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: netw, Timeout: 5 * time.Second, UDPSize: 65535}
	in, _, err := c.Exchange(m, addr)
	if err != nil {
		t.Fatalf("exchange over %s: %v", netw, err)
	}
	return in
}

// fakeWriter is a dns.ResponseWriter that keeps what the handler writes.
type fakeWriter struct {
	tcp        bool
	tsigStatus error
	out        [][]byte
}

func (w *fakeWriter) LocalAddr() net.Addr {
	if w.tcp {
		return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
	}
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
}

func (w *fakeWriter) RemoteAddr() net.Addr {
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5353}
}

func (w *fakeWriter) WriteMsg(m *dns.Msg) error {
	b, err := m.Pack()
	if err != nil {
		return err
	}
	w.out = append(w.out, b)
	return nil
}

func (w *fakeWriter) Write(b []byte) (int, error) {
	w.out = append(w.out, append([]byte(nil), b...))
	return len(b), nil
}

func (w *fakeWriter) Close() error        { return nil }
func (w *fakeWriter) TsigStatus() error   { return w.tsigStatus }
func (w *fakeWriter) TsigTimersOnly(bool) {}
func (w *fakeWriter) Hijack()             {}
