package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/netdemo/dnssrv"
)

const tsigKeyName = "localca-update."

func zoneFlag() cli.Flag {
	return &cli.StringFlag{Name: "zone", Value: dnssrv.DefaultOrigin, Usage: "the zone served"}
}

func (e *env) dnsCommand() *cli.Command {
	return &cli.Command{
		Name:  "dns",
		Usage: "an authoritative DNS server with SRV records, and lookups",
		Description: `   localca dns add '_web._tcp.localca.test. 60 IN SRV 10 5 8443 web.localca.test.'
   localca dns add 'web.localca.test. 60 IN A 127.0.0.1'
   localca dns serve &
   dig @127.0.0.1 -p 8053 _web._tcp.localca.test SRV
   nsupdate -y "$(localca dns key)"     # RFC 2136 updates signed with TSIG`,
		Subcommands: []*cli.Command{
			{
				Name: "serve", Usage: "serve the zone over UDP and TCP",
				UsageText: "localca dns serve [--addr 127.0.0.1:8053] [--zone localca.test.]",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "addr", Value: "127.0.0.1:8053", Usage: "listen address, UDP and TCP"},
					zoneFlag(),
					&cli.DurationFlag{Name: "sync", Value: time.Second, Usage: "how often records added with `localca dns add` are picked up"},
					passwordFileFlag(),
				},
				Action: e.dnsServe,
			},
			{
				Name: "add", Usage: "add a record (zone-file form)", ArgsUsage: "'RR'",
				UsageText: "localca dns add '_web._tcp.localca.test. 60 IN SRV 10 5 8443 web.localca.test.'",
				Flags:     []cli.Flag{zoneFlag()},
				Action:    func(c *cli.Context) error { return e.dnsChange(c, true) },
			},
			{
				Name: "remove", Usage: "remove a record (zone-file form)", ArgsUsage: "'RR'",
				UsageText: "localca dns remove 'web.localca.test. 60 IN A 127.0.0.1'",
				Flags:     []cli.Flag{zoneFlag()},
				Action:    func(c *cli.Context) error { return e.dnsChange(c, false) },
			},
			{
				Name: "list", Usage: "list the stored records", UsageText: "localca dns list [--json]",
				Flags: []cli.Flag{jsonFlag()},
				Action: func(c *cli.Context) error {
					recs, err := e.dnsZone(c).Records()
					if err != nil {
						return err
					}
					return printAs(e, c, recs, ca.WriteDNSRecords)
				},
			},
			e.dnsKeyCommand(),
			{
				Name: "lookup", Usage: "resolve a name two ways side by side: the system's resolver and a direct query",
				UsageText: "localca dns lookup _web._tcp.localca.test --type SRV --server 127.0.0.1:8053",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "type", Value: "A", Usage: strings.Join(dnssrv.LookupTypes(), ", ")},
					&cli.StringFlag{Name: "server", Value: "127.0.0.1:8053", Usage: "DNS server for the direct query (empty: resolv.conf's first)"},
					jsonFlag(),
				},
				Action: e.dnsLookup,
			},
		},
	}
}

// dnsZone is the zone's records and settings in this home's store.
func (e *env) dnsZone(c *cli.Context) ca.DNSZone {
	z := ca.NewDNSZone(func(readOnly bool) (ca.Opener, error) { return e.caHome(c).Opener(readOnly) })
	z.Secrets = e.secrets(c)
	return z
}

// tsigKey is the zone's update key, made on first use and kept in the store.
func (e *env) tsigKey(c *cli.Context) (dnssrv.TSIGKey, error) {
	k, err := e.dnsZone(c).ZoneKey(tsigKeyName)
	return dnssrv.TSIGKey{Name: k.Name, Secret: k.Secret}, err
}

func (e *env) dnsChange(c *cli.Context, add bool) error {
	if c.Args().Len() != 1 {
		return usagef("give one record in zone-file form, quoted, like '_web._tcp.localca.test. 60 IN SRV 10 5 8443 web.localca.test.'")
	}
	change := dnssrv.AddRecord
	if !add {
		change = dnssrv.RemoveRecord
	}
	text, changed, err := change(e.dnsZone(c), c.Args().First(), c.String("zone"))
	switch {
	case err != nil:
		return err
	case !changed:
		e.note("already there: %s", text)
	case add:
		e.note("added: %s", text)
	default:
		e.note("removed: %s", text)
	}
	return nil
}

func (e *env) dnsServe(c *cli.Context) error {
	ctx, stop := signalContext(c.Context)
	defer stop()
	key, err := e.tsigKey(c)
	if err != nil {
		return err
	}
	zone, err := dnssrv.NewBackedZone(c.String("zone"), e.dnsZone(c))
	if err != nil {
		return err
	}
	pc, ln, err := dnssrv.Listen(c.String("addr"))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "listening on %s (udp and tcp), zone %s\n", pc.LocalAddr(), zone.Origin())
	e.announce(pc.LocalAddr(), "dns", "queries for zone "+zone.Origin()+" (udp and tcp)", "")
	e.announce(pc.LocalAddr(), "dns", "RFC 2136 updates of "+zone.Origin(), "only with the TSIG key "+key.Name)
	// The secret stays off the terminal and logs: `dns key` prints it.
	e.note("updates: RFC 2136 signed with TSIG key %s: nsupdate -y \"$(localca dns key)\"", key.Name)
	go zone.Follow(ctx, c.Duration("sync"), e.note)
	// Replays are caught by every server of this store, across restarts.
	replay := ca.DNSReplayGuard{Open: e.dnsZone(c).Write}
	srv := &dnssrv.Server{Zone: zone.Zone, Keys: []dnssrv.TSIGKey{key}, Replay: replay}
	// Records and keys follow the store: by watch in etcd, else polled.
	go srv.FollowKeysOn(ctx, e.dnsKeys(c, key), e.dnsZone(c), c.Duration("sync"), e.note)
	return srv.Serve(ctx, pc, ln)
}

func (e *env) dnsLookup(c *cli.Context) error {
	if c.Args().Len() != 1 {
		return usagef("lookup takes one NAME")
	}
	ctx, cancel := context.WithTimeout(c.Context, 10*time.Second)
	defer cancel()
	res, err := dnssrv.Lookup(ctx, c.Args().First(), c.String("type"), c.String("server"))
	if err != nil {
		return usageError{err}
	}
	if c.Bool("json") {
		return e.printJSON(res.Answers())
	}
	return res.WriteText(e.stdout)
}
