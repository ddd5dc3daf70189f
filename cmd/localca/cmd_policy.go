package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
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
					var req policies.Request
					switch {
					case c.String("csr") != "" && len(c.StringSlice("name")) > 0:
						return usagef("give --csr or --name, not both")
					case c.String("csr") != "":
						data, err := readFile("csr", c.String("csr"))
						if err != nil {
							return err
						}
						csr, err := ca.ParseCSR(data)
						if err != nil {
							return fmt.Errorf("--csr %s: %w", c.String("csr"), err)
						}
						req = policies.RequestFromCSR(csr, c.String("profile"))
					case len(c.StringSlice("name")) > 0:
						req.Profile = c.String("profile")
						for _, n := range c.StringSlice("name") {
							req.AddName(n)
						}
					default:
						return usagef("give --csr FILE or --name NAME")
					}
					req.Validity = daysFlag(c)
					d, err := pol.Check(req)
					var refusal *policies.Refusal
					if errors.As(err, &refusal) && c.Bool("json") {
						e.printJSON(map[string]any{"allowed": false, "violations": refusal.Violations})
						return errors.New("policy: refused")
					}
					if err != nil {
						return err
					}
					if c.Bool("json") {
						return e.printJSON(map[string]any{"allowed": true, "decision": d})
					}
					fmt.Fprintf(e.stdout, "allowed: profile %s, valid %s\n  names: %s\n", d.Profile, policies.Duration(d.Validity), strings.Join(decisionNames(d), ", "))
					return nil
				},
			},
		},
	}
}

func decisionNames(d *policies.Decision) []string {
	out := append([]string(nil), d.DNSNames...)
	for _, ip := range d.IPAddresses {
		out = append(out, ip.String())
	}
	out = append(out, d.EmailAddresses...)
	for _, u := range d.URIs {
		out = append(out, u.String())
	}
	return out
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
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return usagef("policy set takes one FILE")
			}
			sp, err := e.caHome(c).SetPolicy(c.Args().First(), time.Now())
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return e.printJSON(map[string]any{"version": sp.Version, "sha256": sp.SHA256, "set_at": sp.SetAt})
			}
			fmt.Fprintf(e.stdout, "policy version %d (sha256 %s) is the store's: every node of this store enforces it\n", sp.Version, sp.SHA256)
			return nil
		},
	}
}
