package netdemo

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/localca/localca/internal/logsafe"
)

// handshakeListener completes each connection's TLS handshake before
// http.Server sees it, so that a refused handshake can be closed the way
// lingerClose closes it. net/http closes a connection whose handshake failed
// at once; under TLS 1.3 the client has often sent its request already, and
// closing a socket with unread data sends a reset that overtakes the alert:
// curl then says "Transport endpoint is not connected" instead of "alert
// certificate required". Handshakes run one goroutine each; the listener
// below bounds how many connections exist at once.
type handshakeListener struct {
	net.Listener
	cfg     *tls.Config
	timeout time.Duration
	log     io.Writer

	conns chan net.Conn
	errc  chan error
	done  chan struct{}
	once  sync.Once
}

func newHandshakeListener(ln net.Listener, cfg *tls.Config, timeout time.Duration, log io.Writer) *handshakeListener {
	l := &handshakeListener{Listener: ln, cfg: cfg, timeout: timeout, log: log,
		conns: make(chan net.Conn), errc: make(chan error, 1), done: make(chan struct{})}
	go l.acceptLoop()
	return l
}

func (l *handshakeListener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			l.errc <- err // buffered: the loop's one and last error
			return
		}
		go l.handshake(c)
	}
}

func (l *handshakeListener) handshake(c net.Conn) {
	tc := tls.Server(c, l.cfg)
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		if l.log != nil {
			fmt.Fprintf(logsafe.NewWriter(l.log), "http: TLS handshake error from %s: %v\n", c.RemoteAddr(), err)
		}
		lingerClose(c)
		c.Close()
		return
	}
	select {
	case l.conns <- tc:
	case <-l.done:
		tc.Close()
	}
}

// Accept returns the next connection whose handshake succeeded.
func (l *handshakeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case err := <-l.errc:
		l.errc <- err // every later Accept sees it too
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handshakeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}
