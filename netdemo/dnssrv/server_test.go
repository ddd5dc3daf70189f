package dnssrv

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestServeUDPAndTCP(t *testing.T) {
	ts := startServer(t, &Server{Zone: bigZone(t, 30)})
	for _, netw := range []string{"udp", "tcp"} {
		t.Run(netw, func(t *testing.T) {
			r := exchange(t, ts.addr, netw, question("_big._tcp.localca.test.", dns.TypeSRV))
			if !r.Authoritative {
				t.Error("AA not set")
			}
			if netw == "udp" && (!r.Truncated || len(r.Answer) == 30) {
				t.Errorf("UDP: TC %v with %d answers, want a truncated answer", r.Truncated, len(r.Answer))
			}
			if netw == "tcp" && (r.Truncated || len(r.Answer) != 30) {
				t.Errorf("TCP: TC %v with %d answers, want all 30", r.Truncated, len(r.Answer))
			}
		})
	}
}

// TestTCPPipelined writes 300 queries on one connection before reading:
// miekg/dns would close the connection after 128 without MaxTCPQueries.
func TestTCPPipelined(t *testing.T) {
	ts := startServer(t, &Server{Zone: mustZone(t, testRecords...)})
	conn, err := net.DialTimeout("tcp", ts.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	const n = 300
	go func() {
		for i := range n {
			m := question("a.localca.test.", dns.TypeA)
			m.Id = uint16(i)
			b, _ := m.Pack()
			frame := binary.BigEndian.AppendUint16(nil, uint16(len(b)))
			if _, err := conn.Write(append(frame, b...)); err != nil {
				return
			}
		}
	}()
	seen := map[uint16]bool{}
	for range n {
		var l uint16
		if err := binary.Read(conn, binary.BigEndian, &l); err != nil {
			t.Fatalf("after %d answers: %v", len(seen), err)
		}
		b := make([]byte, l)
		if _, err := io.ReadFull(conn, b); err != nil {
			t.Fatal(err)
		}
		m := new(dns.Msg)
		if err := m.Unpack(b); err != nil || len(m.Answer) != 1 {
			t.Fatalf("answer %d: %v %v", len(seen), err, m)
		}
		seen[m.Id] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct answers, want %d", len(seen), n)
	}
}

func TestServeStopsAndRefusesMisuse(t *testing.T) {
	s := &Server{Zone: mustZone(t)}
	if err := s.Serve(context.Background(), nil, nil); !errors.Is(err, ErrServing) {
		t.Errorf("Serve without sockets: %v", err)
	}
	if err := (&Server{}).Serve(context.Background(), nil, nil); !errors.Is(err, ErrServing) {
		t.Errorf("Serve without zone: %v", err)
	}

	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	s.NotifyStarted = func() { close(started) }
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(context.Background(), pc, nil) }()
	<-started
	if err := s.Serve(context.Background(), pc, nil); !errors.Is(err, ErrServing) {
		t.Errorf("second Serve: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-errc; err != nil {
		t.Errorf("Serve after Shutdown: %v", err)
	}
}

// TestMalformedPackets sends garbage and a reply-flagged packet over UDP;
// the server must stay up and keep answering.
func TestMalformedPackets(t *testing.T) {
	ts := startServer(t, &Server{Zone: mustZone(t, testRecords...)})
	conn, err := net.Dial("udp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp := question("a.localca.test.", dns.TypeA)
	resp.Response = true
	respBytes, _ := resp.Pack()
	for _, p := range [][]byte{{}, {0}, make([]byte, 11), {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63}, respBytes} {
		if _, err := conn.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	if r := exchange(t, ts.addr, "udp", question("a.localca.test.", dns.TypeA)); len(r.Answer) != 1 {
		t.Errorf("after garbage: %v", r)
	}
}
