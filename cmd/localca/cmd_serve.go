package main

import (
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/ca/online"
)

// serveStoreTimeout is how long a request of `localca serve` waits for
// another localca command to release the store.
const serveStoreTimeout = 2 * time.Second

func (e *env) serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the CA online over HTTPS: certificates, CRLs, OCSP, /sign and /revoke",
		UsageText: `localca serve --addr 127.0.0.1:8443
   curl --cacert root.pem https://127.0.0.1:8443/crl | openssl crl -inform DER -noout -text
   openssl ocsp -issuer inter.pem -cert leaf.pem -CAfile root.pem -url https://127.0.0.1:8443/ocsp`,
		Description: `Endpoints: /roots.pem, /intermediates.pem, /intermediate.crt (DER), /crl (the
intermediate's CRL, DER), /crl/root (the root's), /ocsp (RFC 6960, GET and
POST), /sign (POST a CSR with "Authorization: Bearer TOKEN", from
` + "`localca token create`" + `; ?profile=server|client|peer; returns the PEM chain),
/revoke (POST {"serial": "...", "reason": "..."} with a token), /healthz, and
for people a web page at / (the CA, how to trust its root, the certificates
it issued: open on loopback, behind a read token elsewhere).

With --acme, an ACME server (RFC 8555) answers at /acme/directory, printed
on the second line as "acme directory URL"; see ` + "`localca acme`" + ` and the
README's ACME section (certbot, lego, Caddy).

A plain-HTTP listener (--http-addr, 127.0.0.1:8080; "off" for none) serves
/crl, /crl/root, /ocsp, /intermediate.crt and /root.crt: signed data that
nginx's OCSP stapling, openssl -crl_download, gnutls and NSS fetch over
plain HTTP only. Certificates issued through /sign (and serve's own) carry
its http:// CRL distribution point and AIA (OCSP, caIssuers) URLs, under
--url's https:// when the listener is off.

The server's TLS certificate is issued by the CA itself at start for the
host of --url.

The CA keys are decrypted once at start. The store is opened only while a
request runs, so other localca commands (revoke, issue, list) work while the
server is up. The first line on stdout is "listening on URL", then (after
ACME's line) "plain http on URL"; stderr says per listener what it serves
and who may use it. SIGINT or
SIGTERM stops it gracefully.`,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8443", Usage: "listen address (port 0 picks a free one)"},
			&cli.StringFlag{Name: "url", Usage: "the URL clients reach the server at (default https://ADDR)"},
			&cli.DurationFlag{Name: "crl-next-update", Value: ca.DefaultCRLValidity, Usage: "time from thisUpdate to nextUpdate of served CRLs"},
			passwordFileFlag(),
			policyFlag(),
		}, append(plainServeFlags(), acmeServeFlags()...)...),
		Action: e.serve,
	}
}

func (e *env) serve(c *cli.Context) error {
	if c.Args().Len() > 0 {
		return usagef("serve takes no arguments")
	}
	if c.Duration("crl-next-update") <= 0 {
		return usagef("--crl-next-update must be positive")
	}
	authority, err := e.openCA(c, ca.Access{})
	if err != nil {
		return err
	}
	ln, base, err := listenServe(c)
	if err != nil {
		return err
	}
	defer ln.Close()
	plainLn, plainBase, err := listenPlain(c)
	if err != nil {
		return err
	}
	if plainLn != nil {
		defer plainLn.Close()
	}
	err = authority.Unlock() // the one password prompt
	open, keep, oerr := e.caHome(c).ServerOpener(serveStoreTimeout)
	if err = errors.Join(err, oerr); err != nil {
		return err
	}
	logger := log.New(e.stderr, "localca serve: ", log.LstdFlags)
	site, err := online.New(online.Config{
		Server: ca.ServerConfig{CA: authority, Open: open, KeepOpen: keep,
			CRL: ca.CRLOptions{NextUpdate: c.Duration("crl-next-update")}},
		TLS: ln, URL: base, Plain: plainLn, PlainURL: plainBase,
		ACME: acmeConfig(c), Log: logger,
	})
	if err != nil {
		return err
	}
	if a := site.ACME; a != nil {
		e.note("ACME at %s: %s; http-01 on port %d, tls-alpn-01 on port %d", site.ACMEDirectory, a.Admits(), a.HTTPPort, a.TLSPort)
	}
	ctx, stop := signalContext(c.Context)
	defer stop()
	fmt.Fprintf(e.stdout, "listening on %s\n", base)
	if site.ACMEDirectory != "" {
		fmt.Fprintf(e.stdout, "acme directory %s\n", site.ACMEDirectory)
	}
	for _, o := range site.Offers() {
		if o.Plain {
			fmt.Fprintf(e.stdout, "plain http on %s\n", o.URL)
		}
		e.announce(o.Addr, o.URL, o.What, o.Who)
	}
	e.note("TLS certificate for %v, serial %X; stop with Ctrl-C", site.Names, site.Cert.Leaf.SerialNumber.Bytes())
	if err := site.Run(ctx); err != nil {
		return err
	}
	e.note("stopped")
	return nil
}
