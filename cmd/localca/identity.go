package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/netdemo"
)

// identityFlags are how a demo gets its certificate: files, or --name to have
// the CA issue one on the spot.
func identityFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "cert", Usage: "certificate chain file (PEM, leaf first)"},
		&cli.StringFlag{Name: "key", Usage: "private key file of --cert"},
		&cli.StringFlag{Name: "ca", Usage: "trust only the roots in this PEM file (default: this CA's root)"},
		&cli.StringFlag{Name: "name", Usage: "have the CA issue a short-lived peer certificate for NAME now (renewed at 2/3 of its life)"},
		&cli.StringSliceFlag{Name: "allow", Usage: "accept only peers matching: dns:NAME, uri:spiffe://localca.test/*, ip:CIDR, email:A, cn:N, or a bare SAN (repeat)"},
		&cli.StringFlag{Name: "crl", Usage: "check peers against this CRL: a URL (e.g. https://127.0.0.1:8443/crl) or a file; with --name the CA's own CRL is the default"},
		&cli.DurationFlag{Name: "crl-refresh", Value: netdemo.DefaultCRLRefresh, Usage: "how often the CRL is fetched again"},
		&cli.BoolFlag{Name: "fail-open", Usage: "accept peers whose revocation status is unknown (default: refuse them)"},
		passwordFileFlag(),
	}
}

// demoIdentity is what identityFlags resolve to.
type demoIdentity struct {
	id     *netdemo.Identity // nil when no certificate was asked for
	roots  *x509.CertPool
	issuer []*x509.Certificate // CA certificates whose CRLs are trusted
	chain  []*x509.Certificate // the CA certificates of --cert's file: CRL signers once verified up to the roots
	renew  func(context.Context) error
	crl    func(context.Context) ([]byte, error)
}

// intermediates is a pool of the CA certificates the demo knows, to
// complete the chain of a peer that sends only its leaf.
func (d *demoIdentity) intermediates() *x509.CertPool {
	pool := x509.NewCertPool()
	for _, c := range d.issuer {
		pool.AddCert(c)
	}
	return pool
}

// resolveIdentity loads or issues the demo's certificate and trust pool.
// The store is opened only for as long as issuing takes, so that other
// localca commands (revoke, list) keep working while a demo runs.
func (e *env) resolveIdentity(c *cli.Context, profile string) (*demoIdentity, error) {
	d := &demoIdentity{}
	switch {
	case c.String("name") != "" && c.String("cert") != "":
		return nil, usagef("give --name or --cert/--key, not both")
	case c.String("name") != "":
		iss := func() (*tls.Certificate, *x509.Certificate, *x509.Certificate, error) {
			return e.issueNow(c, c.String("name"), profile)
		}
		cert, root, inter, err := iss()
		if err != nil {
			return nil, err
		}
		d.id = netdemo.NewIdentity(cert)
		d.roots = x509.NewCertPool()
		d.roots.AddCert(root)
		d.issuer = []*x509.Certificate{inter, root}
		d.crl = func(context.Context) ([]byte, error) { return e.localCRL(c) }
		d.renew = func(ctx context.Context) error {
			d.id.KeepRenewed(ctx, func() (*tls.Certificate, error) {
				cert, _, _, err := iss()
				return cert, err
			}, e.note)
			return nil
		}
	case c.String("cert") != "" || c.String("key") != "":
		if c.String("cert") == "" || c.String("key") == "" {
			return nil, usagef("--cert and --key go together")
		}
		id, err := netdemo.NewFileIdentity(c.String("cert"), c.String("key"))
		if err != nil {
			return nil, err
		}
		d.id = id
		if d.chain, err = chainOf(c.String("cert")); err != nil {
			return nil, err
		}
		d.renew = func(ctx context.Context) error {
			id.WatchFiles(ctx, 2*time.Second, func(err error) {
				if err != nil {
					e.note("reload of %s failed (still serving the old certificate): %v", c.String("cert"), err)
				} else {
					e.note("reloaded %s", c.String("cert"))
				}
			})
			return nil
		}
	}
	if f := c.String("ca"); f != "" {
		data, err := readInput(f, maxInputFile)
		if err != nil {
			return nil, err
		}
		certs, err := ca.ParseCertificates(data)
		if err != nil {
			return nil, fmt.Errorf("--ca %s: %w", f, err)
		}
		d.roots = x509.NewCertPool()
		for _, cert := range certs {
			d.roots.AddCert(cert)
		}
		d.issuer = append(d.issuer, certs...)
		e.ownCRLFor(c, d, certs)
	}
	if d.roots == nil {
		authority, st, err := e.loadCA(c, true)
		if err != nil {
			return nil, fmt.Errorf("no --ca given and no CA to trust: %w", err)
		}
		d.roots = x509.NewCertPool()
		d.roots.AddCert(authority.Root())
		d.issuer = []*x509.Certificate{authority.Intermediate(), authority.Root()}
		st.Close()
		if d.crl == nil {
			d.crl = func(context.Context) ([]byte, error) { return e.localCRL(c) }
		}
	}
	return d, nil
}

// issueNow issues a short-lived certificate (the profile's default validity:
// 24 hours for peer) and returns it with the CA's root and intermediate.
func (e *env) issueNow(c *cli.Context, name, profile string) (*tls.Certificate, *x509.Certificate, *x509.Certificate, error) {
	authority, err := e.connectCA(c, true)
	if err != nil {
		return nil, nil, nil, err
	}
	iss, err := authority.Issue(ca.IssueRequest{Names: []string{name}, Profile: profile})
	if err != nil {
		return nil, nil, nil, err
	}
	cert, err := tls.X509KeyPair(iss.ChainPEM(), iss.KeyPEM)
	if err != nil {
		return nil, nil, nil, err
	}
	e.note("issued %s certificate for %s, serial %s, until %s", profile, name, iss.Record.SerialHex(), iss.Cert.NotAfter.UTC().Format(time.RFC3339))
	return &cert, authority.Root(), authority.Intermediate(), nil
}

// localCRL makes fresh CRLs (the intermediate's and the root's, as PEM) from
// this machine's store: the revocation source of demos and services that
// run beside the CA, with no `localca serve` needed. The store is held only
// while the CRLs are numbered (not while the key is decrypted).
func (e *env) localCRL(c *cli.Context) ([]byte, error) {
	authority, err := e.connectCA(c, false)
	if err != nil {
		return nil, err
	}
	inter, err := authority.CRL(ca.CRLOptions{})
	if err != nil {
		return nil, err
	}
	root, err := authority.RootCRL(ca.CRLOptions{})
	if err != nil {
		return nil, err
	}
	return append(inter.PEM(), root.PEM()...), nil
}
