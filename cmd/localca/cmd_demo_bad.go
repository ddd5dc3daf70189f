package main

import (
	"crypto/x509"
	"errors"
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
	var sites []badserver.Site
	for _, fc := range ca.FixtureCases() {
		f, err := authority.Fixture(fc.Name)
		if errors.Is(err, ca.ErrFixtureUnavailable) {
			e.note("bad-server: leaving out %s: %v", fc.Name, err)
			continue
		}
		if err != nil {
			authority.Close()
			return err
		}
		sites = append(sites, badserver.Site{Case: fc.Name, Name: f.Name, Defect: fc.Defect,
			Chain: derChain(f.Cert, f.Chain), Key: f.Key, OCSP: f.OCSP})
	}
	// The store is shared with `dns serve` and other commands: hold it
	// only while writing.
	authority.Close()
	ln, err := net.Listen("tcp", c.String("addr"))
	if err != nil {
		return err
	}
	srv := &badserver.Server{Sites: sites, Index: ca.FixtureName(ca.CaseGood), Log: e.stderr}
	records, err := e.registerBadSites(c, sites, ln.Addr().(*net.TCPAddr))
	if err != nil {
		ln.Close()
		return err
	}
	defer e.deregister(c, records)
	fmt.Fprintf(e.stdout, "listening on %s\n", ln.Addr())
	port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
	for _, s := range sites {
		fmt.Fprintf(e.stdout, "  https://%s:%s/  %s\n", s.Name, port, s.Defect)
	}
	return srv.Serve(ctx, ln)
}

func derChain(leaf *x509.Certificate, chain []*x509.Certificate) [][]byte {
	out := [][]byte{leaf.Raw}
	for _, c := range chain {
		out = append(out, c.Raw)
	}
	return out
}

// registerBadSites puts an address record per site into the store, which
// `localca dns serve` follows.
func (e *env) registerBadSites(c *cli.Context, sites []badserver.Site, addr *net.TCPAddr) ([]string, error) {
	records, err := badserver.Records(sites, addr)
	if err != nil {
		return nil, err
	}
	if _, err := e.dnsZone(c).Apply(records, nil); err != nil {
		return nil, fmt.Errorf("registering the case names for dns serve: %w", err)
	}
	return records, nil
}

func (e *env) deregister(c *cli.Context, records []string) {
	if _, err := e.dnsZone(c).Apply(nil, records); err != nil {
		e.note("bad-server: removing the case names from the store: %v", err)
	}
}
