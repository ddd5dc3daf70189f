package netdemo

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// DefaultDialTimeout bounds dialling and the TLS handshake of the demo clients.
const DefaultDialTimeout = 10 * time.Second

// TCPClient is the client of `localca demo tcp-client`: it sends each line
// of its input and prints every line the server sends the moment it arrives,
// independently of what it is sending (the server may speak first, or tick).
type TCPClient struct {
	// TLS, if set, makes the connection TLS (see ClientTLS.Config).
	TLS *tls.Config
	// Timeout bounds dialling plus the handshake; zero means DefaultDialTimeout.
	Timeout time.Duration
	// Out receives the lines the server sends, and one "connected" line.
	Out io.Writer
}

// Run connects to addr, copies in to the server line by line and the
// server's lines to Out. When in ends it closes its sending side and waits
// for the server to close; it also stops when ctx is done. A TLS refusal by
// the server (with TLS 1.3 reported only after the handshake) is returned.
func (c *TCPClient) Run(ctx context.Context, addr string, in io.Reader) error {
	out := c.Out
	if out == nil {
		out = io.Discard
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var conn net.Conn
	var err error
	if c.TLS != nil {
		d := &tls.Dialer{Config: c.TLS}
		conn, err = d.DialContext(dctx, "tcp", addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(dctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("netdemo: tcp: connecting to %s: %w", addr, err)
	}
	defer conn.Close()
	if tc, ok := conn.(*tls.Conn); ok {
		cs := tc.ConnectionState()
		info := DescribeConnection(&cs, time.Now())
		fmt.Fprintf(out, "connected to %s: %s, %s, server %q (serial %s), resumed=%v\n",
			addr, info.TLSVersion, info.CipherSuite, info.Peer.Subject, info.Peer.Serial, info.Resumed)
	} else {
		fmt.Fprintf(out, "connected to %s: plain TCP\n", addr)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(conn)
		for sc.Scan() {
			fmt.Fprintln(out, sc.Text())
		}
		readErr <- sc.Err()
	}()
	writeErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			if _, err := io.WriteString(conn, sc.Text()+"\n"); err != nil {
				writeErr <- err
				return
			}
		}
		writeErr <- closeWrite(conn)
	}()
	for {
		select {
		case err := <-readErr:
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				return fmt.Errorf("netdemo: tcp: reading from %s: %w", addr, err)
			}
			return nil
		case err := <-writeErr:
			writeErr = nil
			if err != nil && ctx.Err() == nil {
				// The reader usually has the better explanation (a TLS alert).
				select {
				case rerr := <-readErr:
					if rerr != nil {
						return fmt.Errorf("netdemo: tcp: reading from %s: %w", addr, rerr)
					}
				case <-time.After(time.Second):
				}
				return fmt.Errorf("netdemo: tcp: writing to %s: %w", addr, err)
			}
		}
	}
}

func closeWrite(c net.Conn) error {
	type closeWriter interface{ CloseWrite() error }
	if cw, ok := c.(closeWriter); ok {
		if err := cw.CloseWrite(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
	}
	return nil
}
