package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/netdemo/dnssrv"
	"github.com/urfave/cli/v2"
)

func (e *env) dnsKeyCommand() *cli.Command {
	return &cli.Command{
		Name: "key", Usage: "print the zone's TSIG key for nsupdate -y; create, list and revoke keys limited to some names",
		UsageText: `nsupdate -y "$(localca dns key)"
   localca dns key create --name acme --allow _acme-challenge.app.localca.test --type TXT
   localca dns key list
   localca dns key revoke acme`,
		Flags: []cli.Flag{passwordFileFlag()},
		Action: func(c *cli.Context) error {
			k, err := e.tsigKey(c)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, k.NsupdateArg())
			return nil
		},
		Subcommands: []*cli.Command{
			{
				Name: "create", Usage: "make a key that may update only --allow names (and --type types); prints it for nsupdate -y",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "name", Required: true, Usage: "the key's name"},
					&cli.StringSliceFlag{Name: "allow", Required: true, Usage: "a name, or *.NAME for any name under NAME (repeat)"},
					&cli.StringSliceFlag{Name: "type", Usage: "a record type the key may change, e.g. TXT (repeat; default any)"},
					passwordFileFlag(),
				},
				Action: func(c *cli.Context) error {
					k, err := e.dnsZone(c).CreateKey(c.String("name"), c.StringSlice("allow"), c.StringSlice("type"))
					if errors.Is(err, ca.ErrBadDNSKey) {
						return usageError{err}
					}
					if err != nil {
						return err
					}
					fmt.Fprintln(e.stdout, k.NsupdateArg())
					e.note("key %s may update %s (types %s); revoke with `localca dns key revoke %s`",
						k.Name, strings.Join(k.Allow, " "), strings.Join(k.TypesOrAny(), " "), strings.TrimSuffix(k.Name, "."))
					return nil
				},
			},
			{
				Name: "list", Usage: "the limited keys (names, what they may update; not their secrets)", Flags: []cli.Flag{jsonFlag()},
				Action: func(c *cli.Context) error {
					keys, err := e.dnsZone(c).KeyList() // names and limits only: no password
					if err != nil {
						return err
					}
					return printAs(e, c, keys, ca.WriteDNSKeys)
				},
			},
			{
				Name: "revoke", Usage: "delete a limited key: running servers refuse it from their next sync", ArgsUsage: "NAME",
				Action: func(c *cli.Context) error {
					if c.Args().Len() != 1 {
						return usagef("revoke takes the key's NAME")
					}
					return e.dnsZone(c).RevokeKey(c.Args().First())
				},
			},
		},
	}
}

// dnsKeys are the keys a DNS server of this store accepts: the zone's own
// and the limited ones, read from the store on every call.
func (e *env) dnsKeys(c *cli.Context, zoneKey dnssrv.TSIGKey) dnssrv.KeySource {
	return func() ([]dnssrv.TSIGKey, error) {
		keys, err := e.dnsZone(c).Keys()
		if err != nil {
			return nil, err
		}
		all := []dnssrv.TSIGKey{zoneKey}
		for _, k := range keys {
			all = append(all, dnssrv.TSIGKey{Name: k.Name, Secret: k.Secret, Allow: k.Allow, Types: k.Types})
		}
		return all, nil
	}
}
