package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/netdemo"
	"github.com/localca/localca/netdemo/dnssrv"
	"github.com/localca/localca/netdemo/mesh"
	"github.com/localca/localca/policies"
)

func (e *env) upCommand() *cli.Command {
	return &cli.Command{
		Name:  "up",
		Usage: "bring up services that find each other by DNS-SRV and talk over mTLS",
		UsageText: `localca up                  # the sample set: echo (tcp) and web (http); web may call echo
   localca up services.toml
   localca call echo --as web hello`,
		Description: `For each service, up issues a short-lived peer certificate (SANs NAME.ZONE and
spiffe://ZONE/NAME, serverAuth + clientAuth), registers its SRV, A and TXT
records in a DNS server it runs (default 127.0.0.1:8053), and starts an mTLS
server that accepts only the services named in its allow list. Certificates
renew at two thirds of their life (with jitter) and are hot-reloaded; SIGHUP
renews them all now. SIGINT/SIGTERM deregister the records and stop.

Services file (TOML):

` + mesh.Sample,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dns-addr", Usage: "where to serve the zone (overrides the file's dns)"},
			&cli.DurationFlag{Name: "validity", Usage: "certificate lifetime (default: the file's validity, else the peer profile's, 24h)"},
			&cli.DurationFlag{Name: "crl-refresh", Value: 30 * time.Second, Usage: "how often services re-read the CA's CRL"},
			passwordFileFlag(),
			policyFlag(),
		},
		Action: e.up,
	}
}

func (e *env) up(c *cli.Context) error {
	if c.Args().Len() > 1 {
		return usagef("up takes at most one services FILE")
	}
	f, err := mesh.Load(c.Args().First())
	if err != nil {
		return err
	}
	if a := c.String("dns-addr"); a != "" {
		f.DNS = a
	}
	ctx, stop := signalContext(c.Context)
	defer stop()
	authority, err := e.openCA(c, ca.Access{InitIfNone: true}) // made on first use
	if err != nil {
		return err
	}
	if err := authority.Unlock(); err != nil {
		return err
	}
	// Every handshake checks the caller against the CA's CRL, refreshed
	// every --crl-refresh: a service revoked with `localca revoke` is shut
	// out within that interval, on resumed sessions too.
	crl := e.caCRLChecker(c, authority)
	crl.Refresh = c.Duration("crl-refresh")
	if err := crl.Start(ctx); err != nil {
		return fmt.Errorf("fetching the CA's CRL: %w", err)
	}
	defer crl.Close()
	key, err := e.tsigKey(c)
	if err != nil {
		return err
	}
	// SIGHUP renews every certificate now.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	u := &mesh.Up{
		File: f, Issue: func(host, spiffeID string, validity time.Duration) (*tls.Certificate, error) {
			return e.issueService(c, host, spiffeID, validity)
		},
		Validity: time.Duration(f.Validity),
		Roots:    netdemo.CertPool(authority.Root()), Intermediates: netdemo.CertPool(authority.Intermediate()),
		Revocation: crl, Backing: e.dnsZone(c), Keys: []dnssrv.TSIGKey{key}, RenewNow: hup,
		Out: e.stdout, Log: e.stderr, Logf: e.note,
	}
	if c.IsSet("validity") {
		u.Validity = c.Duration("validity")
	}
	return u.Run(ctx)
}

// issueService issues a service's peer certificate: its host name and
// exactly one URI SAN, its SPIFFE ID.
func (e *env) issueService(c *cli.Context, host, spiffeID string, validity time.Duration) (*tls.Certificate, error) {
	iss, err := e.local(c).Issue(ca.IssueRequest{Names: []string{host, spiffeID}, Profile: policies.ProfilePeer, Validity: validity})
	if err != nil {
		return nil, err
	}
	return iss.TLSCertificate(), nil
}

// caCRLChecker checks peers against this CA's own CRLs, made fresh from the
// store on every fetch.
func (e *env) caCRLChecker(c *cli.Context, authority *ca.CA) *netdemo.CRLChecker {
	return &netdemo.CRLChecker{
		Fetch:   e.local(c).CRLs,
		Issuers: []*x509.Certificate{authority.Intermediate(), authority.Root()},
		Log:     e.stderr,
	}
}
