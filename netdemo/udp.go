package netdemo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/localca/localca/internal/logsafe"
)

// UDP payload limits. The default fits one Ethernet frame without IP
// fragmentation: 1500 (MTU) - 20 (IPv4 header) - 8 (UDP header). The hard
// ceiling is the largest UDP payload IPv4 can carry: 65535 - 20 - 8.
const (
	DefaultUDPPayload = 1472
	MaxUDPPayload     = 65507
	DefaultUDPTimeout = 2 * time.Second
)

// udpLimit returns the effective payload limit for a configured one.
func udpLimit(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultUDPPayload, nil
	case n < 0 || n > MaxUDPPayload:
		return 0, fmt.Errorf("netdemo: udp: payload limit %d outside 1..%d", n, MaxUDPPayload)
	}
	return n, nil
}

// UDPServer is `localca demo udp-server`: each datagram is answered, to its
// sender, with the same bytes. There is no connection: no handshake, no
// ordering, no retransmission; a lost datagram is simply gone. The reply is
// never larger than the request (so the server cannot be used to amplify
// traffic towards a forged source address), and a datagram over MaxPayload
// is dropped and logged, not answered.
type UDPServer struct {
	// MaxPayload is the largest datagram answered: 0 means DefaultUDPPayload,
	// at most MaxUDPPayload.
	MaxPayload int
	// Log receives one line per datagram; nil discards them.
	Log io.Writer
}

// Serve answers datagrams on pc until ctx is done, then returns nil.
func (s *UDPServer) Serve(ctx context.Context, pc net.PacketConn) error {
	limit, err := udpLimit(s.MaxPayload)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { pc.Close() })
	defer stop()
	buf := make([]byte, limit+1) // one spare byte detects an oversized datagram
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("netdemo: udp: read: %w", err)
		}
		if n > limit {
			s.logf("%s: dropped a datagram over the %d-byte limit", from, limit)
			continue
		}
		if _, err := pc.WriteTo(buf[:n], from); err != nil {
			s.logf("%s: reply failed: %v", from, err)
			continue
		}
		s.logf("%s: echoed %d bytes", from, n)
	}
}

func (s *UDPServer) logf(format string, args ...any) {
	if s.Log != nil {
		fmt.Fprintf(logsafe.NewWriter(s.Log), "udp: "+format+"\n", args...)
	}
}

// UDPClient is `localca demo udp-client`.
type UDPClient struct {
	// MaxPayload is the largest payload sent: 0 means DefaultUDPPayload, at
	// most MaxUDPPayload. A larger one fails with ErrPayloadTooLarge before
	// anything is sent.
	MaxPayload int
	// Timeout is how long to wait for a reply; zero means DefaultUDPTimeout.
	Timeout time.Duration
}

// Exchange sends payload to addr and returns the reply. It fails with a
// *PayloadTooLargeError (errors.Is ErrPayloadTooLarge) before sending an
// oversized payload, and with an error wrapping ErrNoReply when no reply
// arrives within Timeout: UDP has no connection to break, so silence is the
// only sign of loss, and the client reports it rather than waiting forever.
func (c *UDPClient) Exchange(ctx context.Context, addr string, payload []byte) ([]byte, error) {
	limit, err := udpLimit(c.MaxPayload)
	if err != nil {
		return nil, err
	}
	if len(payload) > limit {
		return nil, &PayloadTooLargeError{Size: len(payload), Limit: limit}
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultUDPTimeout
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", addr) // "connected": only addr's replies are read
	if err != nil {
		return nil, fmt.Errorf("netdemo: udp: %w", err)
	}
	defer conn.Close()
	deadline := time.Now().Add(timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	if _, err := conn.Write(payload); err != nil {
		return nil, fmt.Errorf("netdemo: udp: sending %d bytes to %s: %w", len(payload), addr, err)
	}
	buf := make([]byte, MaxUDPPayload)
	n, err := conn.Read(buf)
	var ne net.Error
	switch {
	case err == nil:
		return buf[:n], nil
	case errors.As(err, &ne) && ne.Timeout():
		return nil, fmt.Errorf("%w from %s within %s (request or reply lost, or no server)", ErrNoReply, addr, timeout)
	default: // e.g. ICMP port unreachable surfaces as "connection refused"
		return nil, fmt.Errorf("%w from %s: %w", ErrNoReply, addr, err)
	}
}

// Run sends each line of in as one datagram (without its newline) and prints
// the reply, or the error for that line, to out. It keeps going after a lost
// reply. When a line failed it returns a *UDPRunError that counts the
// failures and wraps the first (errors.Is finds it); its message does not
// repeat what out already says, so a command that prints both prints each
// error once.
func (c *UDPClient) Run(ctx context.Context, addr string, in io.Reader, out io.Writer) error {
	var res UDPRunError
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), MaxUDPPayload+1)
	for sc.Scan() {
		res.Sent++
		reply, err := c.Exchange(ctx, addr, sc.Bytes())
		if err != nil {
			fmt.Fprintf(out, "error: %v\n", err)
			res.Failed++
			if res.First == nil {
				res.First = err
			}
			if ctx.Err() != nil {
				return &res
			}
			continue
		}
		fmt.Fprintf(out, "reply: %s\n", reply)
	}
	if err := sc.Err(); err != nil {
		// Not printed to out: this one is said only by the error.
		return fmt.Errorf("netdemo: udp: reading input: %w", err)
	}
	if res.Failed > 0 {
		return &res
	}
	return nil
}

// UDPRunError is Run's outcome when some lines failed; each was printed as
// it happened.
type UDPRunError struct {
	Sent, Failed int
	First        error // the first line's error
}

func (e *UDPRunError) Error() string {
	return fmt.Sprintf("netdemo: udp: %d of %d datagrams failed (see the error lines above)", e.Failed, e.Sent)
}

func (e *UDPRunError) Unwrap() error { return e.First }
