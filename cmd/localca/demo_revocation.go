package main

import (
	"context"
	"crypto/x509"
	"fmt"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/netdemo"
	"github.com/urfave/cli/v2"
)

// revocation builds the CRL checker the flags ask for, started, and the
// function that stops it; with no CRL source it returns no checker and a
// no-op. A first fetch that fails is reported, not fatal: the checker keeps
// trying, and fails closed (or open, with --fail-open) meanwhile.
func (e *env) revocation(ctx context.Context, c *cli.Context, d *demoIdentity) (netdemo.RevocationChecker, func()) {
	fetch := d.crl
	if src := c.String("crl"); src != "" {
		fetch = netdemo.FetchCRL(src, d.roots)
	}
	if fetch == nil {
		e.note("checks no revocation of peers: --ca is not this CA's root; give --crl URL|FILE (e.g. http://127.0.0.1:8080/crl)")
		return nil, func() {}
	}
	chk := &netdemo.CRLChecker{Fetch: fetch, Issuers: d.issuer, Roots: d.roots, Intermediates: d.chain,
		Refresh: c.Duration("crl-refresh"), FailOpen: c.Bool("fail-open"), Log: e.stderr}
	if err := chk.Start(ctx); err != nil {
		e.note("first CRL fetch failed (%v); %s", err, map[bool]string{true: "failing open", false: "refusing peers until a CRL arrives"}[c.Bool("fail-open")])
	}
	return chk, func() { chk.Close() }
}

// ownCRLFor makes this CA's own CRL the demo's revocation source when the
// --ca roots hold this CA's root (and a store is here to make it from).
func (e *env) ownCRLFor(c *cli.Context, d *demoIdentity, roots []*x509.Certificate) {
	authority, st, err := e.loadCA(c, true)
	if err != nil {
		return // no CA here: --ca names someone else's
	}
	st.Close()
	for _, r := range roots {
		if r.Equal(authority.Root()) {
			d.issuer = append(d.issuer, authority.Intermediate())
			if d.crl == nil {
				d.crl = func(context.Context) ([]byte, error) { return e.localCRL(c) }
			}
			return
		}
	}
}

// chainOf is the CA certificates after the leaf in a certificate file.
func chainOf(path string) ([]*x509.Certificate, error) {
	data, err := readInput(path, maxInputFile)
	if err != nil {
		return nil, err
	}
	certs, err := ca.ParseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("--cert %s: %w", path, err)
	}
	return certs[1:], nil
}
