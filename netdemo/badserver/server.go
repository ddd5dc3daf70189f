package badserver

import (
	"context"
	"crypto"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/localca/localca/netdemo"
	"golang.org/x/net/netutil"
)

// The server cases: their certificates are good, the server makes them
// wrong.
const (
	CaseIncompleteChain    = "incomplete-chain"
	CaseClientCertRequired = "client-cert-required"
	CaseTLS10              = "tls1.0"
	CaseTLS11              = "tls1.1"
)

// Site is one name the server answers to.
type Site struct {
	Case   string // the case's label ("expired", "tls1.0", ...)
	Name   string // the SNI name it is served under
	Defect string // what is wrong with it, for its page
	// Chain is the certificates a correct server would send, leaf first,
	// DER; Key is the leaf's key.
	Chain [][]byte
	Key   crypto.Signer
	// OCSP is an OCSP answer to staple, DER; nil staples none.
	OCSP []byte
}

// WriteSites writes a line per site for the person who started the
// server on port: the URL to try and what is wrong there.
func WriteSites(w io.Writer, sites []Site, port int) error {
	var b strings.Builder
	for _, s := range sites {
		fmt.Fprintf(&b, "  https://%s:%d/  %s\n", s.Name, port, s.Defect)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Server serves Sites on one TLS listener.
type Server struct {
	Sites []Site
	// Index is the name of the site whose page lists every site; "" means
	// none does.
	Index string
	// Limits bound each connection; zero fields take netdemo's defaults.
	Limits netdemo.Limits
	// Log receives handshake refusals (most of what this server does is be
	// refused) and server errors; nil discards them.
	Log io.Writer
}

// config builds the per-site TLS configurations, keyed by lower-case name.
func (s *Server) configs() (map[string]*tls.Config, error) {
	out := make(map[string]*tls.Config, len(s.Sites))
	for _, site := range s.Sites {
		if len(site.Chain) == 0 || site.Key == nil {
			return nil, fmt.Errorf("%w: site %q has no certificate or key", ErrBadSite, site.Name)
		}
		name := strings.ToLower(site.Name)
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%w: site %q given twice", ErrBadSite, site.Name)
		}
		chain := site.Chain
		if site.Case == CaseIncompleteChain {
			chain = chain[:1] // the defect: no intermediate
		}
		cfg := &tls.Config{
			Certificates: []tls.Certificate{{Certificate: chain, PrivateKey: site.Key, OCSPStaple: site.OCSP}},
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"http/1.1"},
		}
		switch site.Case {
		case CaseClientCertRequired:
			// TLS 1.2 at most, and no ALPN: a TLS 1.3 server refuses a
			// missing client certificate after the client's handshake has
			// finished, and a TLS 1.2 client that false-starts (Chromium
			// does when ALPN is agreed) has sent its request by then, so
			// what a client reports (the alert, or a closed socket) would
			// depend on timing. Without both, the refusal ends the handshake.
			cfg.ClientAuth = tls.RequireAnyClientCert
			cfg.MaxVersion = tls.VersionTLS12
			cfg.NextProtos = nil
		case CaseTLS10:
			// Go's server still speaks TLS 1.0 and 1.1 when the config asks
			// for them explicitly (its default minimum is TLS 1.2).
			cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS10
		case CaseTLS11:
			cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS11, tls.VersionTLS11
		}
		out[name] = cfg
	}
	return out, nil
}

// TLSConfig is the listener's configuration: it picks the site by SNI and
// refuses a name it does not serve (and a client that sends none).
func (s *Server) TLSConfig() (*tls.Config, error) {
	sites, err := s.configs()
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS10,
		GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			cfg, ok := sites[strings.ToLower(hello.ServerName)]
			if !ok {
				return nil, fmt.Errorf("%w: %q", ErrUnknownName, hello.ServerName)
			}
			return cfg, nil
		},
	}, nil
}

// Serve serves on ln until ctx is done, then shuts down (waiting at most 5
// seconds for requests in flight) and returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	cfg, err := s.TLSConfig()
	if err != nil {
		return err
	}
	lim := s.Limits
	lim = limitsOrDefault(lim)
	errLog := io.Discard
	if s.Log != nil {
		errLog = s.Log
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: min(lim.ReadHeaderTimeout, lim.HandshakeTimeout), // it bounds the handshake too
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		ErrorLog:          log.New(errLog, "bad-server: ", 0),
	}
	ln = tls.NewListener(netutil.LimitListener(ln, lim.MaxConns), cfg)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// limitsOrDefault fills unset limits with netdemo's defaults.
func limitsOrDefault(l netdemo.Limits) netdemo.Limits {
	set := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	set(&l.HandshakeTimeout, netdemo.DefaultHandshakeTimeout)
	set(&l.ReadHeaderTimeout, netdemo.DefaultReadHeaderTimeout)
	set(&l.ReadTimeout, netdemo.DefaultReadTimeout)
	set(&l.WriteTimeout, netdemo.DefaultWriteTimeout)
	set(&l.IdleTimeout, netdemo.DefaultIdleTimeout)
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = netdemo.DefaultMaxHeaderBytes
	}
	if l.MaxConns <= 0 {
		l.MaxConns = netdemo.DefaultMaxConns
	}
	return l
}
