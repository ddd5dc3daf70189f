package main

import (
	"fmt"
	"net"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/netdemo/badserver"
	"github.com/urfave/cli/v2"
)

func (e *env) badServerCommand() *cli.Command {
	return &cli.Command{
		Name:  "bad-server",
		Usage: "serve broken-on-purpose TLS sites by SNI, CASE.bad.localca.test (a local badssl)",
		UsageText: `localca demo bad-server [--addr 127.0.0.1:8445]
   curl --cacert root.pem --resolve expired.bad.localca.test:8445:127.0.0.1 https://expired.bad.localca.test:8445/`,
		Description: `Makes a fresh set of fixture certificates (profile fixtures, in the store and
its event log), then serves each case under CASE.bad.localca.test, the index at
good.bad.localca.test. While it runs, ` + "`localca dns serve`" + ` answers the case names
with the listen address (A records in the store, removed when it stops).`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8445", Usage: "listen address (loopback by default)"},
			passwordFileFlag(),
			policyFlag(),
		},
		Action: e.badServer,
	}
}

func (e *env) badServer(c *cli.Context) error {
	ctx, stop := signalContext(c.Context)
	defer stop()
	authority, err := e.openCA(c, ca.Access{Hold: true, InitIfNone: true})
	if err != nil {
		return err
	}
	fixtures, err := authority.Fixtures(func(name string, err error) { e.note("bad-server: leaving out %s: %v", name, err) })
	// The store is shared with `dns serve` and other commands: hold it
	// only while writing.
	authority.Close()
	if err != nil {
		return err
	}
	var sites []badserver.Site
	for _, f := range fixtures {
		sites = append(sites, badserver.Site{Case: f.Case.Name, Name: f.Name, Defect: f.Case.Defect, Chain: f.DERChain(), Key: f.Key, OCSP: f.OCSP})
	}
	ln, err := net.Listen("tcp", c.String("addr"))
	if err != nil {
		return err
	}
	srv := &badserver.Server{Sites: sites, Index: ca.FixtureName(ca.CaseGood), Log: e.stderr}
	// Records in the store, which `localca dns serve` follows.
	deregister, err := badserver.Register(e.dnsZone(c), sites, ln.Addr().(*net.TCPAddr))
	if err != nil {
		ln.Close()
		return err
	}
	defer func() {
		if err := deregister(); err != nil {
			e.note("bad-server: removing the case names from the store: %v", err)
		}
	}()
	fmt.Fprintf(e.stdout, "listening on %s\n", ln.Addr())
	badserver.WriteSites(e.stdout, sites, ln.Addr().(*net.TCPAddr).Port)
	return srv.Serve(ctx, ln)
}
