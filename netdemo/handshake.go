package netdemo

import (
	"container/list"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"time"
)

// handshakeListener completes each connection's TLS handshake before the
// server sees it, for two reasons.
//
// Silent peers: a socket that sends nothing must not keep real clients out.
// Pending handshakes live in a pool of their own (Limits.MaxPending) whose
// oldest member is closed when a new connection arrives and the pool is
// full, and a peer must send its first byte within Limits.FirstByteTimeout.
// A per-address cap would do nothing when every peer is 127.0.0.1. Only
// completed handshakes reach the server's own cap (Limits.MaxConns, a
// LimitListener above this one), so completed connections never wait
// behind pending ones.
//
// Alerts: a refused handshake is closed the way lingerClose closes it.
// net/http closes a connection whose handshake failed at once; under TLS
// 1.3 the client has often sent its request already, and closing a socket
// with unread data sends a reset that overtakes the alert: curl then says
// "Transport endpoint is not connected" instead of "alert certificate
// required".
type handshakeListener struct {
	net.Listener
	cfg  *tls.Config
	lim  Limits
	logf func(format string, args ...any) // one line per refused handshake

	mu      sync.Mutex
	pending *list.List // of *pendingConn, oldest first

	conns chan net.Conn
	errc  chan error
	done  chan struct{}
	once  sync.Once
}

// pendingConn is a connection in the pool: evicted is closed when a newer
// one pushed it out.
type pendingConn struct {
	c       net.Conn
	evicted chan struct{}
}

func newHandshakeListener(ln net.Listener, cfg *tls.Config, lim Limits, logf func(string, ...any)) *handshakeListener {
	l := &handshakeListener{Listener: ln, cfg: cfg, lim: lim.withDefaults(), logf: logf, pending: list.New(),
		conns: make(chan net.Conn), errc: make(chan error, 1), done: make(chan struct{})}
	go l.acceptLoop()
	return l
}

func (l *handshakeListener) acceptLoop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			l.errc <- err // buffered: the loop's one and last error
			return
		}
		p := &pendingConn{c: c, evicted: make(chan struct{})}
		e := l.admit(p)
		go l.handshake(p, e)
	}
}

// admit puts p in the pool, closing the oldest pending connection when the
// pool is full.
func (l *handshakeListener) admit(p *pendingConn) *list.Element {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.pending.Len() >= l.lim.MaxPending {
		old := l.pending.Remove(l.pending.Front()).(*pendingConn)
		close(old.evicted)
		old.c.Close()
	}
	return l.pending.PushBack(p)
}

// leave takes p out of the pool; false when it was evicted meanwhile.
func (l *handshakeListener) leave(p *pendingConn, e *list.Element) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-p.evicted:
		return false
	default:
	}
	l.pending.Remove(e)
	return true
}

func (l *handshakeListener) handshake(p *pendingConn, e *list.Element) {
	c, err := firstByte(p.c, l.lim.FirstByteTimeout)
	var tc *tls.Conn
	if err == nil {
		tc = tls.Server(c, l.cfg)
		ctx, cancel := context.WithTimeout(context.Background(), l.lim.HandshakeTimeout)
		err = tc.HandshakeContext(ctx)
		cancel()
	}
	if err != nil {
		if l.leave(p, e) {
			l.logf("%s: handshake refused: %v", p.c.RemoteAddr(), err)
			lingerClose(p.c)
		} else {
			l.logf("%s: dropped: the oldest of %d pending handshakes", p.c.RemoteAddr(), l.lim.MaxPending)
		}
		p.c.Close()
		return
	}
	// Until the server takes it, a completed connection stays in the pool:
	// it holds no more than a pending one could.
	select {
	case l.conns <- tc:
		if !l.leave(p, e) {
			tc.Close()
		}
	case <-p.evicted:
		tc.Close()
	case <-l.done:
		l.leave(p, e)
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

// firstByte waits up to d for the peer's first byte and returns a
// connection that reads it again: a peer that connects and says nothing
// is dropped after d, not after the whole handshake timeout.
func firstByte(c net.Conn, d time.Duration) (net.Conn, error) {
	c.SetReadDeadline(time.Now().Add(d))
	b := make([]byte, 1)
	n, err := c.Read(b)
	c.SetReadDeadline(time.Time{})
	if n == 0 {
		if err == nil {
			err = errors.New("no data")
		}
		return nil, err
	}
	return &replayConn{Conn: c, first: b[:n]}, nil
}

// replayConn reads first, then the connection.
type replayConn struct {
	net.Conn
	first []byte
}

func (r *replayConn) Read(p []byte) (int, error) {
	if len(r.first) > 0 {
		n := copy(p, r.first)
		r.first = r.first[n:]
		return n, nil
	}
	return r.Conn.Read(p)
}

// slotListener caps the connections a server holds at once, as
// netutil.LimitListener does, without wrapping them: net/http and the TCP
// server look for a *tls.Conn. The server calls release when a connection
// ends.
type slotListener struct {
	net.Listener
	slots chan struct{}
	done  chan struct{}
	once  sync.Once
}

func newSlotListener(ln net.Listener, n int) *slotListener {
	return &slotListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{})}
}

// Accept waits for a free slot, then for a connection.
func (l *slotListener) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		l.release()
	}
	return c, err
}

func (l *slotListener) release() { <-l.slots }

func (l *slotListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return l.Listener.Close()
}
