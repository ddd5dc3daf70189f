package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/localca/localca/ca"
	"github.com/urfave/cli/v2"
)

func plainServeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "http-addr", Value: "127.0.0.1:8080", Usage: "plain-HTTP listener for /crl, /ocsp and the issuer certificate (port 0 when --addr's is 0; \"off\" for none)"},
		&cli.StringFlag{Name: "http-url", Usage: "the URL fetchers reach the plain-HTTP listener at (default http://HTTP-ADDR); certificates carry its CRL and AIA URLs"},
	}
}

// listenPlain opens serve's plain-HTTP listener and returns its base URL
// ("http://127.0.0.1:8080"); nil with --http-addr off. With --addr on port
// 0 (tests, scripts) the default address takes port 0 too.
func listenPlain(c *cli.Context, tlsAddr string) (net.Listener, string, error) {
	addr := c.String("http-addr")
	if addr == "off" {
		return nil, "", nil
	}
	if _, port, _ := net.SplitHostPort(tlsAddr); port == "0" && !c.IsSet("http-addr") {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("--http-addr: listening on %s: %w", addr, err)
	}
	raw := c.String("http-url")
	if raw == "" {
		raw = "http://" + ln.Addr().String()
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Hostname() == "" || u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		ln.Close()
		return nil, "", usagef("--http-url %q must be http://HOST[:PORT] with no path", raw)
	}
	return ln, "http://" + u.Host, nil
}

// serverCert issues serve's own TLS certificate through srv, so that it
// carries the same CRL and AIA URLs as what /sign issues.
func serverCert(srv *ca.Server, names []string) (tls.Certificate, error) {
	var cert tls.Certificate
	err := srv.UseStore(func(c *ca.CA) error {
		var err error
		cert, err = c.TLSCertificate(names...)
		return err
	})
	return cert, err
}

// servePlain runs the plain-HTTP listener beside the TLS one; its error
// ends serve.
func (e *env) servePlain(ctx context.Context, cancel context.CancelFunc, srv *ca.Server, ln net.Listener, base string) <-chan error {
	errc := make(chan error, 1)
	if ln == nil {
		errc <- nil
		return errc
	}
	fmt.Fprintf(e.stdout, "plain http on %s\n", base)
	e.announce(ln.Addr(), base, strings.Join(append(ca.PlainPaths(), srv.PlainMounts()...), " ")+
		" over plain HTTP (signed data, read-only)", "")
	go func() {
		err := srv.ServePlain(ctx, ln)
		if err != nil {
			cancel()
		}
		errc <- err
	}()
	return errc
}
