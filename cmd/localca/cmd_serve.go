package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
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
	authority, st, err := e.loadCA(c, false)
	if err != nil {
		return err
	}
	ln, base, names, err := listenServe(c.String("addr"), c.String("url"))
	if err != nil {
		st.Close()
		return err
	}
	defer ln.Close()
	plainLn, plainBase, err := listenPlain(c, c.String("addr"))
	if err != nil {
		st.Close()
		return err
	}
	if plainLn != nil {
		defer plainLn.Close()
	}
	err = authority.Unlock() // the one password prompt
	loc, lerr := e.storeLocation(c)
	// A file is opened per request (its lock would shut other commands
	// out); etcd is kept open, shared with the other nodes.
	open := func() (*store.Store, error) { return store.Open(loc.Where, &store.Options{Timeout: serveStoreTimeout}) }
	if loc.IsEtcd() {
		defer st.Close()
		open = func() (*store.Store, error) { return st, nil }
	} else {
		st.Close()
	}
	if err = errors.Join(err, lerr); err != nil {
		return err
	}
	logger := log.New(e.stderr, "localca serve: ", log.LstdFlags)
	srv, err := ca.NewServer(ca.ServerConfig{
		CA:       authority,
		Open:     open,
		KeepOpen: loc.IsEtcd(),
		BaseURL:  certBase(base, plainBase),
		CRL:      ca.CRLOptions{NextUpdate: c.Duration("crl-next-update")},
		Log:      logger,
	})
	if err != nil {
		return err
	}
	tlsCert, err := serverCert(srv, names)
	if err != nil {
		return err
	}
	acmeDir, background, err := e.startACME(c, srv, base, ln)
	if err != nil {
		return err
	}
	if err := mountPage(srv, ln, base, plainBase, acmeDir, logger); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if background != nil {
		go background(ctx)
	}
	fmt.Fprintf(e.stdout, "listening on %s\n", base)
	if acmeDir != "" {
		fmt.Fprintf(e.stdout, "acme directory %s\n", acmeDir)
	}
	e.announce(ln.Addr(), base, "/roots.pem /intermediates.pem /intermediate.crt /crl /crl/root /ocsp /healthz over TLS", "")
	e.announce(ln.Addr(), base, "/sign and /revoke", "each request with a token of `localca token create` that allows its names")
	ctx, cancelPlain := context.WithCancel(ctx)
	defer cancelPlain()
	plainErr := e.servePlain(ctx, cancelPlain, srv, plainLn, plainBase)
	e.note("TLS certificate for %v, serial %X; stop with Ctrl-C", names, tlsCert.Leaf.SerialNumber.Bytes())
	err = srv.Serve(ctx, ln, tlsCert)
	cancelPlain()
	if perr := <-plainErr; err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	e.note("stopped")
	return nil
}

// certBase is the base of the CRL and AIA URLs that certificates carry:
// the plain-HTTP listener's, which every fetcher can use, else the TLS one.
func certBase(tlsBase, plainBase string) string {
	if plainBase != "" {
		return plainBase
	}
	return tlsBase
}

// listenServe opens the listener and works out the base URL and the names
// the server's certificate must carry. With port 0 the URL names the port
// the system picked.
func listenServe(addr, rawURL string) (net.Listener, string, []string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	if rawURL == "" {
		rawURL = "https://" + ln.Addr().String()
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" || u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		ln.Close()
		return nil, "", nil, usagef("--url %q must be https://HOST[:PORT] with no path (the plain-HTTP listener's is --http-url)", rawURL)
	}
	base := "https://" + u.Host
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	var names []string
	// A certificate whose first name is an IP gets that IP as its common
	// name, which openssl checks against the intermediate's DNS name
	// constraints and refuses; on loopback "localhost" leads instead.
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsLoopback() {
		names = append(names, "localhost")
	}
	names = append(names, u.Hostname())
	if host != u.Hostname() && !slices.Contains(names, host) {
		names = append(names, host)
	}
	return ln, base, names, nil
}
