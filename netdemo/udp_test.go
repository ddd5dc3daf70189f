package netdemo

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

func listenUDP(t *testing.T) net.PacketConn {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

// serveUDP runs srv on a fresh loopback socket until the test ends.
func serveUDP(t *testing.T, srv *UDPServer) string {
	t.Helper()
	pc := listenUDP(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, pc) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("udp server: %v", err)
		}
	})
	return pc.LocalAddr().String()
}

func TestUDPEcho(t *testing.T) {
	log := testkit.NewBuffer()
	addr := serveUDP(t, &UDPServer{Log: log})
	c := &UDPClient{Timeout: 2 * time.Second}
	for _, size := range []int{1, 100, DefaultUDPPayload} {
		payload := bytes.Repeat([]byte{'x'}, size)
		reply, err := c.Exchange(testCtx(t, 5*time.Second), addr, payload)
		if err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		if !bytes.Equal(reply, payload) {
			t.Fatalf("%d bytes: reply of %d bytes differs", size, len(reply))
		}
	}
}

func TestUDPPayloadLimits(t *testing.T) {
	log := testkit.NewBuffer()
	addr := serveUDP(t, &UDPServer{MaxPayload: MaxUDPPayload, Log: log})
	tests := []struct {
		name  string
		limit int
		size  int
		want  error
	}{
		{"default limit", 0, DefaultUDPPayload + 1, ErrPayloadTooLarge},
		{"raised limit", 9000, 9000, nil},
		{"ceiling", MaxUDPPayload, MaxUDPPayload, nil},
		{"over ceiling", MaxUDPPayload, MaxUDPPayload + 1, ErrPayloadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := log.String()
			c := &UDPClient{MaxPayload: tt.limit}
			reply, err := c.Exchange(testCtx(t, 5*time.Second), addr, make([]byte, tt.size))
			if tt.want == nil {
				if err != nil || len(reply) != tt.size {
					t.Fatalf("reply %d bytes, %v", len(reply), err)
				}
				return
			}
			var tooBig *PayloadTooLargeError
			if !errors.Is(err, tt.want) || !errors.As(err, &tooBig) || tooBig.Size != tt.size {
				t.Fatalf("err = %v, want ErrPayloadTooLarge naming %d bytes", err, tt.size)
			}
			if !strings.Contains(err.Error(), "nothing sent") {
				t.Fatalf("message %q does not say nothing was sent", err)
			}
			if log.String() != before {
				t.Fatalf("server saw a datagram: %s", strings.TrimPrefix(log.String(), before))
			}
		})
	}
	t.Run("limit above ceiling refused", func(t *testing.T) {
		_, err := (&UDPClient{MaxPayload: MaxUDPPayload + 1}).Exchange(testCtx(t, time.Second), addr, []byte("x"))
		if err == nil {
			t.Fatal("a limit above 65507 was accepted")
		}
	})
}

// TestUDPServerDropsOversized: the server answers nothing larger than its
// limit, and the client reports the silence as a lost reply.
func TestUDPServerDropsOversized(t *testing.T) {
	log := testkit.NewBuffer()
	addr := serveUDP(t, &UDPServer{MaxPayload: 100, Log: log})
	c := &UDPClient{MaxPayload: 1000, Timeout: 200 * time.Millisecond}
	_, err := c.Exchange(testCtx(t, 5*time.Second), addr, make([]byte, 500))
	if !errors.Is(err, ErrNoReply) {
		t.Fatalf("err = %v, want ErrNoReply", err)
	}
	log.WaitFor(t, "dropped a datagram over the 100-byte limit", 5*time.Second)
}

// TestUDPNoReply: a socket that never answers; the client times out with
// ErrNoReply instead of hanging.
func TestUDPNoReply(t *testing.T) {
	silent := listenUDP(t)
	c := &UDPClient{Timeout: 100 * time.Millisecond}
	_, err := c.Exchange(testCtx(t, 5*time.Second), silent.LocalAddr().String(), []byte("anyone?"))
	if !errors.Is(err, ErrNoReply) || !strings.Contains(err.Error(), "lost") {
		t.Fatalf("err = %v, want ErrNoReply saying the datagram was lost", err)
	}
}

func TestUDPClientRun(t *testing.T) {
	addr := serveUDP(t, &UDPServer{})
	var out bytes.Buffer
	c := &UDPClient{}
	in := strings.NewReader("one\n" + strings.Repeat("z", DefaultUDPPayload+1) + "\ntwo\n")
	err := c.Run(testCtx(t, 10*time.Second), addr, in, &out)
	var runErr *UDPRunError
	if !errors.Is(err, ErrPayloadTooLarge) || !errors.As(err, &runErr) || runErr.Failed != 1 || runErr.Sent != 3 {
		t.Fatalf("Run = %v, want the oversized line's error, 1 of 3 failed", err)
	}
	if strings.Contains(err.Error(), "exceeds") {
		t.Errorf("Run's error %q repeats the line's error, which out already holds", err)
	}
	got := out.String()
	for _, want := range []string{"reply: one\n", "error: netdemo: payload of 1473 bytes exceeds the limit of 1472 bytes", "reply: two\n"} {
		if !strings.Contains(got, want) {
			t.Fatalf("output lacks %q:\n%s", want, got)
		}
	}
}
