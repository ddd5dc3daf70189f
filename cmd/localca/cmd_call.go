package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/netdemo"
	"github.com/localca/localca/netdemo/mesh"
)

func (e *env) callCommand() *cli.Command {
	return &cli.Command{
		Name:  "call",
		Usage: "find a service by DNS-SRV and talk to it over mTLS",
		UsageText: `localca call echo --as web hello
   localca call web --as echo          # refused: web allows nobody`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "as", Required: true, Usage: "the calling service: its certificate is issued now (NAME.ZONE, spiffe://ZONE/NAME)"},
			&cli.StringFlag{Name: "dns", Value: "127.0.0.1:8053", Usage: "DNS server to ask"},
			&cli.StringFlag{Name: "zone", Value: "localca.test.", Usage: "the services' zone"},
			&cli.DurationFlag{Name: "timeout", Value: 10 * time.Second, Usage: "overall timeout"},
			passwordFileFlag(),
			policyFlag(),
		},
		Action: e.call,
	}
}

func (e *env) call(c *cli.Context) error {
	if c.Args().Len() < 1 {
		return usagef("call needs the service NAME")
	}
	name, msg := c.Args().First(), strings.Join(c.Args().Tail(), " ")
	if msg == "" {
		msg = "hello"
	}
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	f := &mesh.File{Zone: dns.Fqdn(c.String("zone"))}
	as := c.String("as")
	cert, err := e.issueService(c, f.Host(as), f.SpiffeID(as), 0)
	if err != nil {
		return err
	}
	authority, err := e.openCA(c, ca.Access{ReadOnly: true})
	if err != nil {
		return err
	}
	// The caller checks the service as the service checks the caller: a
	// revoked service certificate is refused (one fresh CRL, no refresher).
	crl := e.caCRLChecker(c, authority)
	if err := crl.Update(ctx); err != nil {
		return fmt.Errorf("reading the CA's CRL: %w", err)
	}
	caller := mesh.Caller{DNS: c.String("dns"), Zone: f.Zone, Identity: netdemo.NewIdentity(cert),
		Roots: netdemo.CertPool(authority.Root()), Revocation: crl, Timeout: c.Duration("timeout"), Out: e.stdout}
	return caller.Call(ctx, name, msg)
}
