package online

import (
	"context"
	"crypto/tls"
	"errors"
	"log"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/ca/acme"
	"github.com/localca/localca/ca/acme/va"
	"github.com/localca/localca/ca/web"
)

// acmeCleanup is how often expired ACME orders are swept.
const acmeCleanup = 10 * time.Minute

// Config says what to serve where.
type Config struct {
	// Server configures the CA's endpoints. Its BaseURL is set by New:
	// the plain listener's URL, which every CRL and OCSP fetcher can use,
	// else URL. Log, when nil, is Config.Log.
	Server ca.ServerConfig
	// TLS is the HTTPS listener; URL ("https://127.0.0.1:8443") the
	// address clients reach it at.
	TLS net.Listener
	URL string
	// Names are the names of the server's TLS certificate; nil means
	// CertNames(TLS.Addr(), host of URL).
	Names []string
	// Plain is the plain-HTTP listener, nil for none; PlainURL
	// ("http://127.0.0.1:8080") the address fetchers reach it at.
	Plain    net.Listener
	PlainURL string
	// ACME, when set, serves ACME (RFC 8555) at /acme/directory.
	ACME *ACME
	// Log receives a line per refused request and per change; nil
	// discards them.
	Log *log.Logger
}

// ACME configures the ACME server of a Site.
type ACME struct {
	// HTTPPort and TLSPort are the ports http-01 and tls-alpn-01
	// validation connect to; 0 means va's defaults (80, 443).
	HTTPPort, TLSPort int
	// RequireEAB refuses accounts without an external account binding.
	// New turns it on when the TLS listener reaches beyond loopback.
	RequireEAB bool
}

// Site is a CA online: made by New, served by Run.
type Site struct {
	// Server is the CA's endpoints, with the page and ACME mounted.
	Server *ca.Server
	// Cert is the server's own TLS certificate; Names its names.
	Cert  tls.Certificate
	Names []string
	// ACMEDirectory is the ACME directory URL, "" without ACME.
	ACMEDirectory string
	// ACME is the ACME configuration in force (RequireEAB decided), nil
	// without ACME.
	ACME *ACME

	cfg  Config
	acme *acme.Server
}

// New composes the site: it makes the CA's server, issues its TLS
// certificate, mounts ACME and the web page. It serves nothing yet.
func New(cfg Config) (*Site, error) {
	if cfg.TLS == nil || cfg.URL == "" {
		return nil, errors.New("online: a TLS listener and its URL are needed")
	}
	sc := cfg.Server
	sc.BaseURL = cfg.URL
	if cfg.Plain != nil {
		sc.BaseURL = cfg.PlainURL
	}
	if sc.Log == nil {
		sc.Log = cfg.Log
	}
	srv, err := ca.NewServer(sc)
	if err != nil {
		return nil, err
	}
	s := &Site{Server: srv, cfg: cfg, Names: cfg.Names}
	if s.Names == nil {
		s.Names = CertNames(cfg.TLS.Addr(), hostOf(cfg.URL))
	}
	if s.Cert, err = s.serverCert(); err != nil {
		return nil, err
	}
	if err := s.mountACME(); err != nil {
		return nil, err
	}
	if err := s.mountPage(); err != nil {
		return nil, err
	}
	return s, nil
}

// serverCert issues the server's TLS certificate through its Server, so
// that it carries the CRL and AIA URLs of what /sign issues.
func (s *Site) serverCert() (tls.Certificate, error) {
	var cert tls.Certificate
	err := s.Server.UseStore(func(c *ca.CA) error {
		var err error
		cert, err = c.TLSCertificate(s.Names...)
		return err
	})
	return cert, err
}

// mountACME serves ACME at /acme/ when the config asks for it.
func (s *Site) mountACME() error {
	if s.cfg.ACME == nil {
		return nil
	}
	a := *s.cfg.ACME
	a.RequireEAB = a.RequireEAB || !OnLoopback(s.cfg.TLS)
	if a.HTTPPort <= 0 {
		a.HTTPPort = va.DefaultHTTPPort
	}
	if a.TLSPort <= 0 {
		a.TLSPort = va.DefaultTLSPort
	}
	srv, err := acme.New(acme.Config{
		CA:         s.Server.CA(),
		Storage:    acme.ServerStorage(s.Server),
		BaseURL:    s.cfg.URL,
		RequireEAB: a.RequireEAB,
		Validator: &va.Validator{HTTPPort: a.HTTPPort, TLSPort: a.TLSPort,
			Records: acme.ServerRecords(s.Server)},
		Log: s.cfg.Log,
	})
	if err != nil {
		return err
	}
	s.Server.Mount("/acme/", srv.Handler())
	s.acme, s.ACME, s.ACMEDirectory = srv, &a, srv.DirectoryURL()
	return nil
}

// mountPage serves the web page at / for what no endpoint of the CA
// answers, and its public part (the trust page, the root's downloads) on
// the plain listener, where the QR code points. Reading is open when the
// TLS listener is on loopback only; elsewhere the inventory needs a read
// token (`localca token create --for read`).
func (s *Site) mountPage() error {
	srv := s.Server
	cfg := web.Config{CA: srv.CA(), Read: srv.UseStore, BaseURL: s.cfg.URL, ACMEDirectory: s.ACMEDirectory, Log: s.cfg.Log}
	if s.cfg.Plain != nil {
		cfg.HTTPBaseURL = s.cfg.PlainURL
	}
	if !OnLoopback(s.cfg.TLS) {
		cfg.Authorize = func(token string) error {
			return srv.UseStore(func(c *ca.CA) error {
				_, err := c.CheckReadToken(token)
				return err
			})
		}
	}
	page, err := web.New(cfg)
	if err != nil {
		return err
	}
	srv.Mount("/", page.Handler())
	if s.cfg.Plain != nil {
		srv.MountPlain("/", page.TrustHandler())
	}
	return nil
}

// PlainPaths are the paths the plain listener serves, for the line a
// server prints at start.
func (s *Site) PlainPaths() []string {
	return append(ca.PlainPaths(), s.Server.PlainMounts()...)
}

// Run serves both listeners (and sweeps expired ACME orders) until ctx is
// done, then shuts down gracefully and returns nil; the first listener
// that fails stops the other, and its error is returned.
func (s *Site) Run(ctx context.Context) error {
	// The context is made before anything runs beside it: the sweep below
	// reads it while this goroutine goes on.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if s.acme != nil {
		go func() {
			s.acme.CleanupEvery(ctx, acmeCleanup)
			s.acme.Wait()
		}()
	}
	plainErr := make(chan error, 1)
	if s.cfg.Plain == nil {
		plainErr <- nil
	} else {
		go func() {
			err := s.Server.ServePlain(ctx, s.cfg.Plain)
			if err != nil {
				cancel()
			}
			plainErr <- err
		}()
	}
	err := s.Server.Serve(ctx, s.cfg.TLS, s.Cert)
	cancel()
	if perr := <-plainErr; err == nil {
		err = perr
	}
	return err
}

// CertNames are the names a server's TLS certificate must carry to be
// reached at host (the host of its URL) on a listener at addr: host, and
// the listener's own address when it differs (127.0.0.1 for an
// unspecified one). A certificate whose first name is an IP gets that IP
// as its common name, which openssl checks against the intermediate's DNS
// name constraints and refuses; on loopback "localhost" leads instead.
func CertNames(addr net.Addr, host string) []string {
	own, _, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(own); ip != nil && ip.IsUnspecified() {
		own = "127.0.0.1"
	}
	var names []string
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		names = append(names, "localhost")
	}
	names = append(names, host)
	if own != host && !slices.Contains(names, own) {
		names = append(names, own)
	}
	return names
}

// OnLoopback reports whether ln accepts only loopback connections.
func OnLoopback(ln net.Listener) bool {
	addr, ok := ln.Addr().(*net.TCPAddr)
	return ok && addr.IP.IsLoopback()
}

// hostOf is the host of a URL, without its port.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
