package ca

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/localca/localca/internal/logsafe"
)

// Server limits. Every handler runs under them; the numbers suit a CA that
// receives CSRs and OCSP requests of a few kilobytes.
const (
	DefaultMaxBody    = 64 << 10 // bytes of a request body
	maxHeaderBytes    = 16 << 10
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	handlerTimeout    = 20 * time.Second
	shutdownTimeout   = 10 * time.Second
)

// ServerConfig configures the CA's HTTP endpoints.
type ServerConfig struct {
	// CA is the authority to serve. Unlock it first: the server never asks
	// for a password. Its own store is not used (see Open).
	CA *CA
	// Open opens the store for a request. The server holds the store only
	// while requests run, so other localca commands (revoke, issue, list)
	// keep working beside it.
	Open Opener
	// KeepOpen holds the store opened once for the server's life instead
	// of per request: for a store kept in etcd, which has no file lock to
	// free and where opening is a connection to the cluster.
	KeepOpen bool
	// BaseURL ("https://127.0.0.1:8443") is written into the certificates
	// /sign issues: CRL distribution point BASE/crl, OCSP BASE/ocsp and
	// caIssuers BASE/intermediate.crt. Empty leaves them out.
	BaseURL string
	// CRL and OCSP tune the lists and answers the server signs.
	CRL  CRLOptions
	OCSP ResponderOptions
	// MaxBody caps request bodies; 0 means DefaultMaxBody.
	MaxBody int64
	// Log receives one line per refused request and per change made; nil
	// discards them.
	Log *log.Logger
}

// Server is the CA online: its certificates, CRLs, an OCSP responder and
// token-authorised /sign and /revoke. Make one with NewServer; it is safe
// for concurrent use.
type Server struct {
	cfg       ServerConfig
	lease     storeLease
	responder *Responder

	crlMu sync.Mutex
	crls  map[bool]*CRL // by "is the root's"

	// mounts are handlers of other packages under a path prefix (the ACME
	// server at /acme/); they apply their own body limits.
	mounts map[string]http.Handler
	// plainMounts are the same for the plain-HTTP listener (MountPlain).
	plainMounts map[string]http.Handler

	ownMu sync.Mutex
	own   [][]byte // serials of the TLS certificates Serve was given
}

// Mount serves h for every path under prefix ("/acme/"). Call it before
// Serve. The handler gets the request as it came: its own body limit and
// error format apply, and the server's deadline. The prefix "/" is the
// fallback: it gets only the paths no endpoint or other mount serves (the
// web page of ca/web).
func (s *Server) Mount(prefix string, h http.Handler) {
	if s.mounts == nil {
		s.mounts = map[string]http.Handler{}
	}
	s.mounts[prefix] = h
}

// CA is the server's authority, bound to no store: for handlers mounted
// beside the CA's own, which take the store through UseStore.
func (s *Server) CA() *CA { return s.cfg.CA }

// UseStore runs fn with the CA bound to the store, opened for the call and
// shared with the requests running at the same time (see storeLease). A
// store another process holds longer than the opener waits is an error
// wrapping store.ErrInUse.
func (s *Server) UseStore(fn func(*CA) error) error {
	st, err := s.lease.acquire()
	if err != nil {
		return err
	}
	defer s.lease.release()
	return fn(s.cfg.CA.withStore(st))
}

// isOwn reports whether serial is of a certificate the server serves TLS
// with: no token may revoke it.
func (s *Server) isOwn(serial []byte) bool {
	s.ownMu.Lock()
	defer s.ownMu.Unlock()
	for _, o := range s.own {
		if bytes.Equal(o, serial) {
			return true
		}
	}
	return false
}

// NewServer checks cfg and makes a Server.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.CA == nil || cfg.Open == nil {
		return nil, errors.New("ca: server needs a CA and a store opener")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Log == nil {
		cfg.Log = log.New(io.Discard, "", 0)
	}
	// Every line names what a client sent (a path, a CSR's name): the
	// writer escapes what a handler forgot to quote.
	cfg.Log = log.New(logsafe.NewWriter(cfg.Log.Writer()), cfg.Log.Prefix(), cfg.Log.Flags())
	base := cfg.CA.withStore(nil)
	base.opts.BaseURL = cfg.BaseURL
	cfg.CA = base
	return &Server{
		cfg:       cfg,
		lease:     storeLease{open: cfg.Open, keep: cfg.KeepOpen},
		responder: newResponder(base, cfg.OCSP),
		crls:      map[bool]*CRL{},
	}, nil
}

// Serve serves HTTPS on ln with cert until ctx is done, then shuts down
// gracefully: it stops accepting, lets running requests finish (at most
// 10 s) and returns nil. It returns an error only when serving failed.
func (s *Server) Serve(ctx context.Context, ln net.Listener, cert tls.Certificate) error {
	if leaf, err := leafOf(cert); err == nil {
		s.ownMu.Lock()
		s.own = append(s.own, leaf.SerialNumber.Bytes())
		s.ownMu.Unlock()
	}
	srv := s.httpServer(ctx, s.Handler())
	srv.TLSConfig = &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
	}
	return run(ctx, srv, func() error { return srv.ServeTLS(ln, "", "") })
}

// httpServer is an http.Server with every limit set.
func (s *Server) httpServer(ctx context.Context, h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          s.cfg.Log,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
}

// run serves until ctx is done, then shuts srv down gracefully.
func run(ctx context.Context, srv *http.Server, serve func() error) error {
	errc := make(chan error, 1)
	go func() { errc <- serve() }()
	select {
	case err := <-errc:
		return fmt.Errorf("ca: serving: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("ca: shutting down: %w", err)
	}
	return nil
}

// TLSCertificate issues a server certificate for names (through the policy,
// recorded in the store like any other) and returns it with its chain, for
// the CA to serve its own endpoints over TLS.
func (c *CA) TLSCertificate(names ...string) (tls.Certificate, error) {
	iss, err := c.Issue(IssueRequest{Names: names})
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("ca: the server's own certificate: %w", err)
	}
	return tls.Certificate{
		Certificate: [][]byte{iss.Cert.Raw, c.interCert.Raw},
		PrivateKey:  iss.Key,
		Leaf:        iss.Cert,
	}, nil
}

func leafOf(cert tls.Certificate) (*x509.Certificate, error) {
	if cert.Leaf != nil {
		return cert.Leaf, nil
	}
	if len(cert.Certificate) == 0 {
		return nil, errors.New("ca: a TLS certificate without certificates")
	}
	return x509.ParseCertificate(cert.Certificate[0])
}
