package dnssrv

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Defaults of Server's zero fields.
const (
	// DefaultMaxUDPSize is the largest UDP answer sent to an EDNS0 client:
	// 1232 bytes, the DNS Flag Day 2020 value that avoids IP fragmentation.
	DefaultMaxUDPSize = 1232
	// DefaultTimeout is the read and write timeout of a connection.
	DefaultTimeout = 2 * time.Second
	// DefaultIdleTimeout is how long a TCP connection may wait between
	// queries.
	DefaultIdleTimeout = 10 * time.Second
)

// Server answers DNS queries for one Zone over UDP and TCP and applies
// TSIG-signed RFC 2136 UPDATEs to it. Fill in the fields, then call Serve;
// Server is itself a dns.Handler, so it can also be mounted in a
// dns.ServeMux. Do not change the fields after Serve has started.
type Server struct {
	// Zone is the zone served; required.
	Zone *Zone
	// Keys may sign UPDATEs (HMAC-SHA256). With no keys every UPDATE is
	// refused.
	Keys []TSIGKey
	// Replay remembers the MACs of answered updates (see ReplayGuard);
	// nil keeps them in this process's memory.
	Replay ReplayGuard
	// MaxUDPSize caps the size of UDP answers to EDNS0 clients (they get
	// min(their size, MaxUDPSize), never less than 512); default
	// DefaultMaxUDPSize.
	MaxUDPSize int
	// ReadTimeout and WriteTimeout bound each read and write; default
	// DefaultTimeout. IdleTimeout bounds a TCP connection's wait for its
	// next query; default DefaultIdleTimeout.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// NotifyStarted, if set, is called once both the UDP and the TCP
	// server are serving.
	NotifyStarted func()
	// Now is the clock for TSIG signing times; default time.Now.
	Now func() time.Time

	initOnce sync.Once
	initErr  error
	provider *tsigProvider

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

func (s *Server) init() error {
	s.initOnce.Do(func() {
		if s.Zone == nil {
			s.initErr = fmt.Errorf("%w: no zone", ErrServing)
			return
		}
		s.provider, s.initErr = newTSIGProvider(s.Keys)
	})
	return s.initErr
}

func (s *Server) maxUDP() int {
	if s.MaxUDPSize >= dns.MinMsgSize {
		return s.MaxUDPSize
	}
	return DefaultMaxUDPSize
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Serve answers on pc (UDP) and ln (TCP), either of which may be nil, until
// ctx is done or Shutdown is called; it then stops gracefully and returns
// nil, or the first error of a listener. The caller opens the sockets
// (net.ListenPacket("udp", "127.0.0.1:8053"), net.Listen("tcp", ...)), so
// tests can use port 0; Serve closes them when it returns.
func (s *Server) Serve(ctx context.Context, pc net.PacketConn, ln net.Listener) error {
	if err := s.init(); err != nil {
		return err
	}
	if pc == nil && ln == nil {
		return fmt.Errorf("%w: neither a PacketConn nor a Listener", ErrServing)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	if s.cancel != nil {
		s.mu.Unlock()
		return fmt.Errorf("%w: already serving", ErrServing)
	}
	s.cancel, s.done = cancel, make(chan struct{})
	done := s.done
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.cancel = nil
		s.mu.Unlock()
		close(done)
	}()

	var servers []*dns.Server
	base := func() *dns.Server {
		idle := orDefault(s.IdleTimeout, DefaultIdleTimeout)
		return &dns.Server{
			Handler:       s,
			ReadTimeout:   orDefault(s.ReadTimeout, DefaultTimeout),
			WriteTimeout:  orDefault(s.WriteTimeout, DefaultTimeout),
			IdleTimeout:   func() time.Duration { return idle },
			TsigProvider:  s.provider,
			MsgAcceptFunc: acceptMsg,
			UDPSize:       dns.DefaultMsgSize, // read buffer: room for an UPDATE over UDP
			MaxTCPQueries: -1,                 // pipelined clients (dnsperf -m tcp) lose nothing
		}
	}
	if pc != nil {
		srv := base()
		srv.PacketConn = pc
		servers = append(servers, srv)
	}
	if ln != nil {
		srv := base()
		srv.Listener = ln
		servers = append(servers, srv)
	}

	started := make(chan struct{}, len(servers))
	errc := make(chan error, len(servers))
	for _, srv := range servers {
		srv.NotifyStartedFunc = func() { started <- struct{}{} }
		go func() { errc <- srv.ActivateAndServe() }()
	}

	// Starting on an open socket is immediate: wait for every server to
	// start or fail before anything can shut them down.
	var firstErr error
	running, exited := 0, 0
	for running+exited < len(servers) {
		select {
		case <-started:
			running++
		case err := <-errc:
			exited++
			if firstErr == nil {
				firstErr = fmt.Errorf("dnssrv: serving: %w", err)
			}
		}
	}
	if firstErr == nil && s.NotifyStarted != nil {
		s.NotifyStarted()
	}
	if firstErr == nil {
		select {
		case <-ctx.Done():
		case err := <-errc:
			exited++
			firstErr = fmt.Errorf("dnssrv: serving: %w", err)
		}
	}
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	for _, srv := range servers {
		// A server that already exited reports "not started"; ignore it.
		_ = srv.ShutdownContext(sctx)
	}
	for ; exited < len(servers); exited++ {
		if err := <-errc; err != nil && firstErr == nil {
			firstErr = fmt.Errorf("dnssrv: serving: %w", err)
		}
	}
	return firstErr
}

// Shutdown stops a running Serve and waits for it to return, or for ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("dnssrv: shutdown: %w", ctx.Err())
	}
}

// acceptMsg replaces miekg's default filter, which refuses UPDATE: queries
// need one question and at most an OPT and a TSIG; UPDATEs one zone and a
// bounded number of records; other opcodes get NOTIMP and responses are
// dropped (answering them invites reflection loops).
func acceptMsg(dh dns.Header) dns.MsgAcceptAction {
	const qr = 1 << 15
	if dh.Bits&qr != 0 {
		return dns.MsgIgnore
	}
	switch int(dh.Bits>>11) & 0xF {
	case dns.OpcodeQuery:
		if dh.Qdcount != 1 || dh.Ancount > 1 || dh.Nscount > 1 || dh.Arcount > 2 {
			return dns.MsgReject
		}
		return dns.MsgAccept
	case dns.OpcodeUpdate:
		if dh.Qdcount != 1 || int(dh.Ancount)+int(dh.Nscount)+int(dh.Arcount) > 1024 {
			return dns.MsgReject
		}
		return dns.MsgAccept
	default:
		return dns.MsgRejectNotImplemented
	}
}

// isTCP reports whether w answers over a stream (no size limit but 64 KiB).
func isTCP(w dns.ResponseWriter) bool {
	_, ok := w.LocalAddr().(*net.TCPAddr)
	return ok
}

func (s *Server) replayGuard() ReplayGuard {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Replay == nil {
		s.Replay = &memoryGuard{}
	}
	return s.Replay
}

// SetKeys replaces the update keys while the server runs (or before):
// a key left out is refused from the next message on.
func (s *Server) SetKeys(keys []TSIGKey) error {
	if err := s.init(); err != nil {
		return err
	}
	return s.provider.set(keys)
}
