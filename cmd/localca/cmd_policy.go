package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/policies"
)

func (e *env) policyCommand() *cli.Command {
	return &cli.Command{
		Name:  "policy",
		Usage: "show the policy in force, store one for every node, or check a request against it",
		Subcommands: []*cli.Command{
			{
				Name:      "show",
				Usage:     "print the policy in force (a valid policy file)",
				UsageText: "localca policy show > ~/.local/share/localca/policy.toml   # a start for your own",
				Flags:     []cli.Flag{policyFlag()},
				Action: func(c *cli.Context) error {
					pol, from, err := e.caHome(c).EnforcedPolicy()
					if err != nil {
						return err
					}
					text, err := pol.Encode()
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "# policy in force: %s\n", from)
					_, err = e.stdout.Write(text)
					return err
				},
			},
			e.policySetCommand(),
			{
				Name:  "check",
				Usage: "say what would be issued, or every reason it would be refused",
				UsageText: `localca policy check --name api.test --name 10.0.0.5
   localca policy check --csr api.csr --profile peer`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "csr", Usage: "a CSR file"},
					&cli.StringSliceFlag{Name: "name", Usage: "a name to check: DNS, IP, email or URI (repeat)"},
					&cli.StringFlag{Name: "profile", Value: "server", Usage: "server, client, peer"},
					&cli.IntFlag{Name: "days", Usage: "requested validity in days"},
					policyFlag(),
					jsonFlag(),
				},
				Action: func(c *cli.Context) error {
					pol, _, err := e.caHome(c).EnforcedPolicy()
					if err != nil {
						return err
					}
					names := c.StringSlice("name")
					var req policies.Request
					switch {
					case c.String("csr") != "" && len(names) > 0:
						return usagef("give --csr or --name, not both")
					case c.String("csr") != "":
						_, csr, err := readCSR(c)
						if err != nil {
							return err
						}
						req = policies.RequestFromCSR(csr, c.String("profile"))
					case len(names) > 0:
						req = policies.RequestForNames(names, c.String("profile"))
					default:
						return usagef("give --csr FILE or --name NAME")
					}
					req.Validity = daysFlag(c)
					v, err := pol.Judge(req)
					switch {
					case v == nil || err != nil && !c.Bool("json"):
						return err // a refusal lists its violations in the error
					case err != nil:
						e.printJSON(v)
						return policies.ErrRefused
					}
					return e.print(c, v)
				},
			},
		},
	}
}

// policySetCommand is `localca policy set FILE`: the file becomes the
// store's policy, a new version in the event log, which every node of the
// store enforces (ca.SetPolicy).
func (e *env) policySetCommand() *cli.Command {
	return &cli.Command{
		Name:  "set",
		Usage: "store FILE as the policy every node of this store enforces (a new version, in the event log)",
		UsageText: `localca policy show > policy.toml && $EDITOR policy.toml && localca policy set policy.toml
   A node with a policy file of its own (--policy, HOME/policy.toml) refuses to start unless it is this policy.`,
		Flags: []cli.Flag{jsonFlag()},
		Action: withArgs(1, "policy set takes one FILE", func(c *cli.Context) error {
			sp, err := e.caHome(c).SetPolicy(c.Args().First(), time.Now())
			if err != nil {
				return err
			}
			return e.print(c, sp.Report())
		}),
	}
}
