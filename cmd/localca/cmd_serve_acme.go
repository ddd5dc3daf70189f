package main

import (
	"context"
	"log"
	"net"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/ca/acme"
	"github.com/localca/localca/ca/acme/va"
	"github.com/urfave/cli/v2"
)

func acmeServeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "acme", Usage: "serve ACME (RFC 8555) at /acme/directory"},
		&cli.IntFlag{Name: "acme-http-port", Value: va.DefaultHTTPPort, Usage: "port http-01 validation connects to"},
		&cli.IntFlag{Name: "acme-tls-port", Value: va.DefaultTLSPort, Usage: "port tls-alpn-01 validation connects to"},
		&cli.BoolFlag{Name: "acme-require-eab", Usage: "require an external account binding (always on when listening beyond loopback)"},
	}
}

// startACME mounts the ACME server on srv when --acme is given, says who
// may use it, and returns its directory URL and what runs beside it
// (cleanup of expired orders); nothing without --acme.
func (e *env) startACME(c *cli.Context, srv *ca.Server, base string, ln net.Listener) (string, func(context.Context), error) {
	if !c.Bool("acme") {
		return "", nil, nil
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	ip := net.ParseIP(host)
	loopback := ip != nil && ip.IsLoopback()
	requireEAB := c.Bool("acme-require-eab") || !loopback
	lg := log.New(e.stderr, "localca serve: ", log.LstdFlags)
	a, err := acme.New(acme.Config{
		CA:         srv.CA(),
		Storage:    acme.ServerStorage(srv),
		BaseURL:    base,
		RequireEAB: requireEAB,
		Validator: &va.Validator{HTTPPort: c.Int("acme-http-port"), TLSPort: c.Int("acme-tls-port"),
			Records: acme.ServerRecords(srv)},
		Log: lg,
	})
	if err != nil {
		return "", nil, err
	}
	srv.Mount("/acme/", a.Handler())
	who := "accounts need an external account binding (`localca acme eab create`)"
	if !requireEAB {
		who = "any local user can order certificates for the policy's names (--acme-require-eab to require EAB)"
	}
	e.note("ACME at %s: %s; http-01 on port %d, tls-alpn-01 on port %d", a.DirectoryURL(), who, c.Int("acme-http-port"), c.Int("acme-tls-port"))
	return a.DirectoryURL(), func(ctx context.Context) {
		a.CleanupEvery(ctx, 10*time.Minute)
		a.Wait()
	}, nil
}
