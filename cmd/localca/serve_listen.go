package main

import (
	"errors"
	"fmt"
	"net"

	"github.com/localca/localca/ca/acme/va"
	"github.com/localca/localca/ca/online"
	"github.com/urfave/cli/v2"
)

func plainServeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "http-addr", Value: "127.0.0.1:8080", Usage: "plain-HTTP listener for /crl, /ocsp and the issuer certificate (port 0 when --addr's is 0; \"off\" for none)"},
		&cli.StringFlag{Name: "http-url", Usage: "the URL fetchers reach the plain-HTTP listener at (default http://HTTP-ADDR); certificates carry its CRL and AIA URLs"},
	}
}

func acmeServeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "acme", Usage: "serve ACME (RFC 8555) at /acme/directory"},
		&cli.IntFlag{Name: "acme-http-port", Value: va.DefaultHTTPPort, Usage: "port http-01 validation connects to"},
		&cli.IntFlag{Name: "acme-tls-port", Value: va.DefaultTLSPort, Usage: "port tls-alpn-01 validation connects to"},
		&cli.BoolFlag{Name: "acme-require-eab", Usage: "require an external account binding (always on when listening beyond loopback)"},
	}
}

// acmeConfig is what the --acme flags ask for; nil without --acme.
func acmeConfig(c *cli.Context) *online.ACME {
	if !c.Bool("acme") {
		return nil
	}
	return &online.ACME{HTTPPort: c.Int("acme-http-port"), TLSPort: c.Int("acme-tls-port"), RequireEAB: c.Bool("acme-require-eab")}
}

// listenServe opens serve's TLS listener and returns the base URL clients
// reach it at (online.Listen).
func listenServe(c *cli.Context) (net.Listener, string, error) {
	ln, base, err := online.Listen("https", c.String("addr"), c.String("url"))
	if errors.Is(err, online.ErrBadURL) {
		return nil, "", usagef("--url: %v (the plain-HTTP listener's is --http-url)", err)
	}
	return ln, base, err
}

// listenPlain opens serve's plain-HTTP listener and returns its base URL
// ("http://127.0.0.1:8080"); nil with --http-addr off (online.PlainAddr).
func listenPlain(c *cli.Context) (net.Listener, string, error) {
	addr, ok := online.PlainAddr(c.String("addr"), c.String("http-addr"), c.IsSet("http-addr"))
	if !ok {
		return nil, "", nil
	}
	ln, base, err := online.Listen("http", addr, c.String("http-url"))
	switch {
	case errors.Is(err, online.ErrBadURL):
		return nil, "", usagef("--http-url: %v", err)
	case err != nil:
		return nil, "", fmt.Errorf("--http-addr: %w", err)
	}
	return ln, base, nil
}
