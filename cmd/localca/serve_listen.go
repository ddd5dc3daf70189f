package main

import (
	"fmt"
	"net"
	"net/url"

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
// reach it at. With port 0 the URL names the port the system picked.
func listenServe(addr, rawURL string) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("listening on %s: %w", addr, err)
	}
	if rawURL == "" {
		rawURL = "https://" + ln.Addr().String()
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" || u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		ln.Close()
		return nil, "", usagef("--url %q must be https://HOST[:PORT] with no path (the plain-HTTP listener's is --http-url)", rawURL)
	}
	return ln, "https://" + u.Host, nil
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
