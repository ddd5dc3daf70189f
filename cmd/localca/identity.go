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

// resolveIdentity loads or issues the demo's certificate and trust pool.
// The store is opened only for as long as issuing takes, so that other
// localca commands (revoke, list) keep working while a demo runs.
func (e *env) resolveIdentity(c *cli.Context, profile string) (*netdemo.Peer, error) {
	cfg := netdemo.PeerConfig{Logf: e.note}
	name, certFile, keyFile := c.String("name"), c.String("cert"), c.String("key")
	switch {
	case name != "" && certFile != "":
		return nil, usagef("give --name or --cert/--key, not both")
	case name != "":
		cert, root, inter, err := e.issueNow(c, name, profile)
		if err != nil {
			return nil, err
		}
		cfg.Cert = cert
		cfg.Issue = func() (*tls.Certificate, error) {
			cert, _, _, err := e.issueNow(c, name, profile)
			return cert, err
		}
		cfg.Roots, cfg.Issuers, cfg.CRL = []*x509.Certificate{root}, []*x509.Certificate{inter, root}, e.localCRLFetch(c)
	case certFile != "" || keyFile != "":
		if certFile == "" || keyFile == "" {
			return nil, usagef("--cert and --key go together")
		}
		cfg.CertFile, cfg.KeyFile = certFile, keyFile
	}
	if f := c.String("ca"); f != "" {
		data, err := ca.ReadInput(f, ca.MaxInputFile)
		if err != nil {
			return nil, err
		}
		certs, err := ca.ParseCertificates(data)
		if err != nil {
			return nil, fmt.Errorf("--ca %s: %w", f, err)
		}
		cfg.Roots, cfg.Issuers = certs, append(cfg.Issuers, certs...)
		e.ownCRLFor(c, &cfg, certs)
	}
	if cfg.Roots == nil {
		authority, err := e.openCA(c, ca.Access{ReadOnly: true})
		if err != nil {
			return nil, fmt.Errorf("no --ca given and no CA to trust: %w", err)
		}
		cfg.Roots, cfg.Issuers = []*x509.Certificate{authority.Root()}, []*x509.Certificate{authority.Intermediate(), authority.Root()}
		if cfg.CRL == nil {
			cfg.CRL = e.localCRLFetch(c)
		}
	}
	return netdemo.NewPeer(cfg)
}

// issueNow issues a short-lived certificate (the profile's default validity:
// 24 hours for peer) and returns it with the CA's root and intermediate.
func (e *env) issueNow(c *cli.Context, name, profile string) (*tls.Certificate, *x509.Certificate, *x509.Certificate, error) {
	authority, iss, err := e.issueTLS(c, true, ca.IssueRequest{Names: []string{name}, Profile: profile})
	if err != nil {
		return nil, nil, nil, err
	}
	e.note("issued %s certificate for %s, serial %s, until %s", profile, name, iss.Record.SerialHex(), iss.Cert.NotAfter.UTC().Format(time.RFC3339))
	return iss.TLSCertificate(), authority.Root(), authority.Intermediate(), nil
}

// issueTLS issues req through this home's CA, held only to commit, and
// returns the CA with what it issued.
func (e *env) issueTLS(c *cli.Context, initIfNone bool, req ca.IssueRequest) (*ca.CA, *ca.Issued, error) {
	authority, err := e.openCA(c, ca.Access{InitIfNone: initIfNone})
	if err != nil {
		return nil, nil, err
	}
	iss, err := authority.Issue(req)
	return authority, iss, err
}

// localCRLFetch is the revocation source of demos and services that run
// beside the CA, with no `localca serve` needed: fresh CRLs (the
// intermediate's and the root's, as PEM) from this machine's store, held
// only while the CRLs are numbered (not while the key is decrypted).
func (e *env) localCRLFetch(c *cli.Context) func(context.Context) ([]byte, error) {
	return func(context.Context) ([]byte, error) {
		authority, err := e.openCA(c, ca.Access{})
		if err != nil {
			return nil, err
		}
		lists, err := authority.CRLs(true, true, ca.CRLOptions{})
		return ca.JoinCRLs(lists, false), err
	}
}
