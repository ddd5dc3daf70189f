package netdemo

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/localca/localca/internal/logsafe"
)

// TCPServer is the line echo server of `localca demo tcp-server`. It shows
// that TCP is a duplex byte stream: the server greets each client as soon as
// the connection is up, can send a tick at any time while the client is
// silent, and echoes every line the client sends, all on one connection.
//
// With TLS set it is a TLS (or, with ServerTLS.ClientCAs, mTLS) server; the
// handshake runs under Limits.HandshakeTimeout and a refusal is logged with
// its reason. The zero value is a plain TCP echo server with default limits.
type TCPServer struct {
	// TLS, if set, wraps every connection (see ServerTLS.Config).
	TLS *tls.Config
	// Limits bound each connection; zero fields take their defaults.
	Limits Limits
	// Tick, if positive, sends "tick <time>" to every client this often.
	Tick time.Duration
	// Log receives one line per connection event; nil discards them.
	Log io.Writer
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

func (s *TCPServer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *TCPServer) logf(format string, args ...any) {
	if s.Log != nil {
		fmt.Fprintf(logsafe.NewWriter(s.Log), "tcp: "+format+"\n", args...)
	}
}

// Serve accepts connections on ln until ctx is done, then says "bye" to
// every client, closes them, waits for their handlers and returns nil. It
// returns an accept error other than the listener being closed. At most
// Limits.MaxConns connections are served at once.
func (s *TCPServer) Serve(ctx context.Context, ln net.Listener) error {
	lim := s.Limits.withDefaults()
	if s.TLS != nil {
		hl := newHandshakeListener(ln, s.TLS, lim, s.logf)
		defer hl.Close()
		ln = hl
	}
	// Only connections past their handshake count towards MaxConns.
	slots := newSlotListener(ln, lim.MaxConns)
	ln = slots
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("netdemo: tcp: accept: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer slots.release()
			s.serveConn(ctx, c, lim)
		}()
	}
}

// tcpConn serialises writes from the echo loop, the ticker and shutdown.
type tcpConn struct {
	mu      sync.Mutex
	c       net.Conn
	timeout time.Duration
}

func (t *tcpConn) writeLine(line string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.c.SetWriteDeadline(time.Now().Add(t.timeout))
	_, err := io.WriteString(t.c, line+"\n")
	return err
}

func (s *TCPServer) serveConn(ctx context.Context, c net.Conn, lim Limits) {
	defer c.Close()
	remote := c.RemoteAddr().String()
	who := "anonymous (plain TCP)"
	if tc, ok := c.(*tls.Conn); ok { // handshake done by handshakeListener
		cs := tc.ConnectionState()
		info := DescribeConnection(&cs, s.now())
		who = fmt.Sprintf("%s, %s", info.TLSVersion, info.CipherSuite)
		if info.Peer != nil {
			who = fmt.Sprintf("%q (serial %s), %s", info.Peer.Subject, info.Peer.Serial, who)
		}
		if info.Resumed {
			who += ", resumed session"
		}
	}
	s.logf("%s: connected: %s", remote, who)
	w := &tcpConn{c: c, timeout: lim.WriteTimeout}
	if err := w.writeLine("hello " + who + "; send lines and I echo them"); err != nil {
		return
	}
	done := make(chan struct{})
	defer close(done)
	go func() { // the server speaks whenever it likes: ticks and the goodbye
		var tick <-chan time.Time
		if s.Tick > 0 {
			t := time.NewTicker(s.Tick)
			defer t.Stop()
			tick = t.C
		}
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				w.writeLine("bye: server shutting down")
				c.Close()
				return
			case <-tick:
				if w.writeLine("tick "+s.now().UTC().Format(time.RFC3339)) != nil {
					c.Close()
					return
				}
			}
		}
	}()
	br := bufio.NewReaderSize(c, lim.MaxLineBytes)
	for {
		// A client may stay quiet for IdleTimeout; once a line has begun it
		// must be finished within ReadTimeout (slowloris).
		c.SetReadDeadline(time.Now().Add(lim.IdleTimeout))
		if _, err := br.Peek(1); err != nil {
			s.closeReason(remote, err, w)
			return
		}
		c.SetReadDeadline(time.Now().Add(lim.ReadTimeout))
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			w.writeLine(fmt.Sprintf("error: line longer than %d bytes", lim.MaxLineBytes))
			s.logf("%s: closed: line longer than %d bytes", remote, lim.MaxLineBytes)
			return
		}
		if err != nil {
			s.closeReason(remote, err, w)
			return
		}
		if w.writeLine("echo: "+strings.TrimRight(string(line), "\r\n")) != nil {
			return
		}
	}
}

func (s *TCPServer) closeReason(remote string, err error, w *tcpConn) {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF):
		w.writeLine("bye")
		s.logf("%s: closed by client", remote)
	case errors.As(err, &ne) && ne.Timeout():
		w.writeLine("bye: timed out")
		s.logf("%s: closed: read timed out", remote)
	default:
		s.logf("%s: closed: %v", remote, err)
	}
}

// lingerClose closes a refused connection so that the client reads the TLS
// alert that says why. Under TLS 1.3 a client may already have sent its
// first data when the server refuses its certificate; closing a socket with
// unread data sends a reset, which can overtake the alert. So: stop
// sending, read and drop what the client sent (a bounded amount, for a
// bounded time), then close.
func lingerClose(c net.Conn) {
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		tc.CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}
