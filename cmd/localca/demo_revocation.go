package main

import (
	"context"
	"crypto/x509"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/netdemo"
	"github.com/urfave/cli/v2"
)

// revocation builds the CRL checker the flags ask for, started, and the
// function that stops it; with no CRL source it returns no checker and a
// no-op. A first fetch that fails is reported, not fatal: the checker keeps
// trying, and fails closed (or open, with --fail-open) meanwhile.
func (e *env) revocation(ctx context.Context, c *cli.Context, p *netdemo.Peer) (netdemo.RevocationChecker, func()) {
	chk, err := p.Revocation(ctx, netdemo.RevocationOptions{Source: c.String("crl"),
		Refresh: c.Duration("crl-refresh"), FailOpen: c.Bool("fail-open"), Log: e.stderr})
	if chk == nil {
		e.note("checks no revocation of peers: --ca is not this CA's root; give --crl URL|FILE (e.g. http://127.0.0.1:8080/crl)")
		return nil, func() {}
	}
	if err != nil {
		e.note("first CRL fetch failed (%v); %s", err, map[bool]string{true: "failing open", false: "refusing peers until a CRL arrives"}[c.Bool("fail-open")])
	}
	return chk, func() { chk.Close() }
}

// ownCRLFor makes this CA's own CRL the demo's revocation source when the
// --ca roots hold this CA's root (and a store is here to make it from).
func (e *env) ownCRLFor(c *cli.Context, cfg *netdemo.PeerConfig, roots []*x509.Certificate) {
	authority, err := e.openCA(c, ca.Access{ReadOnly: true})
	if err != nil {
		return // no CA here: --ca names someone else's
	}
	for _, r := range roots {
		if r.Equal(authority.Root()) {
			cfg.Issuers = append(cfg.Issuers, authority.Intermediate())
			if cfg.CRL == nil {
				cfg.CRL = e.localCRLFetch(c)
			}
			return
		}
	}
}
