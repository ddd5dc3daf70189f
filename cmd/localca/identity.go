package main

import (
	"crypto/tls"
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

// localCA is this home's CA for a demo: it issues short-lived certificates
// of profile (24 hours for peer) and is trusted. The store is opened only
// for as long as each call takes, so that other localca commands (revoke,
// list) keep working while a demo runs (ca.Local).
func (e *env) localCA(c *cli.Context, profile string) netdemo.LocalCA {
	loc := e.local(c)
	return netdemo.LocalCA{
		Issue: func(name string) (*tls.Certificate, error) {
			iss, err := loc.Issue(ca.IssueRequest{Names: []string{name}, Profile: profile})
			if err != nil {
				return nil, err
			}
			e.note("issued %s certificate for %s, serial %s, until %s", profile, name, iss.Record.SerialHex(), iss.Cert.NotAfter.UTC().Format(time.RFC3339))
			return iss.TLSCertificate(), nil
		},
		Trust: loc.Trust,
		CRL:   loc.CRLs,
	}
}

// local is this home's CA for servers that run beside other commands,
// opened for each call through openCA (its notes, its password prompt).
func (e *env) local(c *cli.Context) ca.Local {
	return ca.Local{Open: func(a ca.Access) (*ca.CA, error) { return e.openCA(c, a) }}
}
