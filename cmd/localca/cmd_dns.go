package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"github.com/urfave/cli/v2"

	"github.com/localca/localca/netdemo/dnssrv"
	"github.com/localca/localca/store"
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
					st, err := e.openStore(c, true)
					if err != nil {
						return err
					}
					defer st.Close()
					recs, err := st.DNSRecords()
					if err != nil {
						return err
					}
					if c.Bool("json") {
						if recs == nil {
							recs = []string{}
						}
						return e.printJSON(recs)
					}
					for _, r := range recs {
						fmt.Fprintln(e.stdout, r)
					}
					return nil
				},
			},
			{
				Name: "key", Usage: "print the TSIG key for nsupdate -y", UsageText: `nsupdate -y "$(localca dns key)"`,
				Action: func(c *cli.Context) error {
					k, err := e.tsigKey(c)
					if err != nil {
						return err
					}
					fmt.Fprintln(e.stdout, k.NsupdateArg())
					return nil
				},
			},
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

// tsigKey is the zone's update key, made on first use and kept in the store.
func (e *env) tsigKey(c *cli.Context) (dnssrv.TSIGKey, error) {
	st, err := e.openStore(c, false)
	if err != nil {
		return dnssrv.TSIGKey{}, err
	}
	defer st.Close()
	secret, err := st.SettingOrInit("dns.tsig."+tsigKeyName, func() (string, error) {
		k, err := dnssrv.NewTSIGKey(tsigKeyName)
		return k.Secret, err
	})
	return dnssrv.TSIGKey{Name: tsigKeyName, Secret: secret}, err
}

func (e *env) dnsChange(c *cli.Context, add bool) error {
	if c.Args().Len() != 1 {
		return usagef("give one record in zone-file form, quoted, like '_web._tcp.localca.test. 60 IN SRV 10 5 8443 web.localca.test.'")
	}
	rr, err := dnssrv.ParseRR(c.Args().First(), c.String("zone"))
	if err != nil {
		return err
	}
	st, err := e.openStore(c, false)
	if err != nil {
		return err
	}
	defer st.Close()
	text := rr.String()
	var changed bool
	if add {
		changed, err = st.ApplyDNS([]string{text}, nil)
	} else {
		changed, err = st.ApplyDNS(nil, []string{text})
	}
	if err != nil {
		return err
	}
	switch {
	case !changed && add:
		e.note("already there: %s", text)
	case !changed:
		return fmt.Errorf("%w: %s", dnssrv.ErrNoSuchRecord, text)
	case add:
		e.note("added: %s", text)
	default:
		e.note("removed: %s", text)
	}
	return nil
}

// loadZoneRecords reads the stored records that belong to the zone.
func loadZoneRecords(st *store.Store, origin string) ([]dns.RR, error) {
	texts, err := st.DNSRecords()
	if err != nil {
		return nil, err
	}
	var out []dns.RR
	for _, t := range texts {
		rr, err := dnssrv.ParseRR(t, origin)
		if errors.Is(err, dnssrv.ErrOutOfZone) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("stored record %q: %w", t, err)
		}
		out = append(out, rr)
	}
	return out, nil
}

func rrTexts(rrs []dns.RR) []string {
	out := make([]string, len(rrs))
	for i, r := range rrs {
		out[i] = r.String()
	}
	return out
}

// dnsZone builds a zone from the store whose changes (DNS UPDATEs) are
// written back to the store before they are acknowledged, and which follows
// changes other localca processes make to the store.
type dnsZone struct {
	zone *dnssrv.Zone

	mu sync.Mutex
	// pending is the change sync is making now (changeKey form), which
	// Persist must not write back: it came from the store. It names the
	// change, not just "a sync is running", so that a DNS UPDATE applied
	// while a sync runs is still written to the store before it is
	// acknowledged.
	pending string
}

// changeKey names a change by its records.
func changeKey(added, removed []dns.RR) string {
	a, r := rrTexts(added), rrTexts(removed)
	sort.Strings(a)
	sort.Strings(r)
	return "+" + strings.Join(a, "\n+") + "\n-" + strings.Join(r, "\n-")
}

func (e *env) newDNSZone(c *cli.Context, origin string) (*dnsZone, error) {
	st, err := e.openStore(c, false)
	if err != nil {
		return nil, err
	}
	recs, err := loadZoneRecords(st, origin)
	st.Close()
	if err != nil {
		return nil, err
	}
	dz := &dnsZone{}
	dz.zone, err = dnssrv.NewZone(dnssrv.ZoneConfig{
		Origin:  origin,
		Records: recs,
		Persist: func(added, removed []dns.RR) error {
			if dz.fromStore(added, removed) {
				return nil
			}
			st, err := e.openStore(c, false)
			if err != nil {
				return err
			}
			defer st.Close()
			_, err = st.ApplyDNS(rrTexts(added), rrTexts(removed))
			return err
		},
	})
	return dz, err
}

// fromStore reports whether a change is the one sync is making.
func (dz *dnsZone) fromStore(added, removed []dns.RR) bool {
	dz.mu.Lock()
	defer dz.mu.Unlock()
	return dz.pending != "" && dz.pending == changeKey(added, removed)
}

// apply makes one change that came from the store, without writing it back.
func (dz *dnsZone) apply(add, remove dns.RR) error {
	var key string
	if add != nil {
		key = changeKey([]dns.RR{add}, nil)
	} else {
		key = changeKey(nil, []dns.RR{remove})
	}
	dz.mu.Lock()
	dz.pending = key
	dz.mu.Unlock()
	defer func() {
		dz.mu.Lock()
		dz.pending = ""
		dz.mu.Unlock()
	}()
	if add != nil {
		return dz.zone.Add(add)
	}
	return dz.zone.Remove(remove)
}

// sync makes the zone hold what the store holds. The zone is read before
// the store: a DNS UPDATE that lands between the two reads is then in the
// store's copy as well, so sync never takes an acknowledged update back out.
// Changes are made one record at a time so that one record an UPDATE
// changed meanwhile does not hold back the others.
func (dz *dnsZone) sync(e *env, c *cli.Context) error {
	have := map[string]dns.RR{}
	for _, r := range dz.zone.Records() {
		have[r.String()] = r
	}
	st, err := e.openStore(c, true)
	if err != nil {
		return err
	}
	want, err := loadZoneRecords(st, dz.zone.Origin())
	st.Close()
	if err != nil {
		return err
	}
	var add []dns.RR
	for _, r := range want {
		if _, ok := have[r.String()]; ok {
			delete(have, r.String())
		} else {
			add = append(add, r)
		}
	}
	var errs []error
	for _, r := range have {
		if err := dz.apply(nil, r); err != nil && !errors.Is(err, dnssrv.ErrNoSuchRecord) {
			errs = append(errs, err)
		}
	}
	for _, r := range add {
		if err := dz.apply(r, nil); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (e *env) dnsServe(c *cli.Context) error {
	ctx, stop := signalContext(c.Context)
	defer stop()
	key, err := e.tsigKey(c)
	if err != nil {
		return err
	}
	dz, err := e.newDNSZone(c, c.String("zone"))
	if err != nil {
		return err
	}
	srv, pc, ln, err := e.startDNS(c.String("addr"), dz.zone, key)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "listening on %s (udp and tcp), zone %s\n", pc.LocalAddr(), dz.zone.Origin())
	e.note("updates: nsupdate -y %s", key.NsupdateArg())
	go dz.follow(ctx, e, c, c.Duration("sync"))
	return srv.Serve(ctx, pc, ln)
}

// follow syncs the zone from the store every interval until ctx ends, so
// records that other localca processes add or remove are served.
func (dz *dnsZone) follow(ctx context.Context, e *env, c *cli.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := dz.sync(e, c); err != nil {
				e.note("dns: reading records from the store: %v", err)
			}
		}
	}
}

// startDNS opens the UDP and TCP sockets on one port (for :0, the port the
// UDP socket got).
func (e *env) startDNS(addr string, zone *dnssrv.Zone, key dnssrv.TSIGKey) (*dnssrv.Server, net.PacketConn, net.Listener, error) {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, nil, nil, err
	}
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		return nil, nil, nil, err
	}
	return &dnssrv.Server{Zone: zone, Keys: []dnssrv.TSIGKey{key}}, pc, ln, nil
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
	answers := []dnssrv.Answer{res.System, res.Resolver, res.Direct}
	if c.Bool("json") {
		type jsonAnswer struct {
			Path          string   `json:"path"`
			Values        []string `json:"values"`
			Rcode         string   `json:"rcode,omitempty"`
			Authoritative bool     `json:"authoritative,omitempty"`
			Error         string   `json:"error,omitempty"`
		}
		var out []jsonAnswer
		for _, a := range answers {
			if a.Path == "" {
				continue
			}
			j := jsonAnswer{Path: a.Path, Values: a.Values, Rcode: a.Rcode, Authoritative: a.Authoritative}
			if a.Err != nil {
				j.Error = a.Err.Error()
			}
			out = append(out, j)
		}
		return e.printJSON(out)
	}
	for _, a := range answers {
		if a.Path == "" {
			continue
		}
		fmt.Fprintf(e.stdout, "%s\n", a.Path)
		if a.Err != nil {
			fmt.Fprintf(e.stdout, "  error: %v\n", a.Err)
		}
		vals := append([]string(nil), a.Values...)
		sort.Strings(vals)
		for _, v := range vals {
			fmt.Fprintf(e.stdout, "  %s\n", v)
		}
		if a.Rcode != "" {
			fmt.Fprintf(e.stdout, "  rcode %s, authoritative %v\n", a.Rcode, a.Authoritative)
		}
	}
	return nil
}
