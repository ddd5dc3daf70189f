package main

import (
	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

func (e *env) crlCommand() *cli.Command {
	return &cli.Command{
		Name:  "crl",
		Usage: "sign a CRL with the intermediate (or, with --root, the root's)",
		UsageText: `localca crl --out ca.crl
   openssl verify -crl_check -CAfile root.pem -untrusted inter.pem -CRLfile ca.crl leaf.pem
   localca crl --der --out ca.crl.der`,
		Description: `Every call signs a new CRL with a new, strictly increasing CRL number kept
in the store. It lists every revoked certificate that has not expired yet,
with its revocation time and reason. --root signs the root's CRL, which covers
the intermediates. nextUpdate is --next-update after now (default a week).`,
		Flags: []cli.Flag{
			outFlag("write the CRL here (default stdout)"),
			&cli.BoolFlag{Name: "der", Usage: "write DER instead of PEM"},
			&cli.BoolFlag{Name: "pem", Usage: "write PEM (the default)"},
			&cli.BoolFlag{Name: "root", Usage: "the root's CRL instead of the intermediate's"},
			&cli.BoolFlag{Name: "both", Usage: "the intermediate's and the root's CRL, PEM, one after the other (for openssl -CRLfile with -crl_check_all)"},
			&cli.DurationFlag{Name: "next-update", Value: ca.DefaultCRLValidity, Usage: "time from thisUpdate to nextUpdate"},
			passwordFileFlag(),
			jsonFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.Bool("der") && (c.Bool("pem") || c.Bool("both")) {
				return usagef("--der cannot go with --pem or --both")
			}
			if c.Duration("next-update") <= 0 {
				return usagef("--next-update must be positive")
			}
			// A CA from connectCA opens the store only to number the CRL
			// and read its entries: not while its key is decrypted, and not
			// while the CRL is printed.
			authority, err := e.openCA(c, ca.Access{})
			if err != nil {
				return err
			}
			both := c.Bool("both")
			lists, err := authority.CRLs(!c.Bool("root") || both, c.Bool("root") || both, ca.CRLOptions{NextUpdate: c.Duration("next-update")})
			if err != nil {
				return err
			}
			out := ca.JoinCRLs(lists, c.Bool("der"))
			if c.Bool("json") && c.String("out") == "" {
				return usagef("--json prints a summary: give --out for the CRL itself")
			}
			if err := e.writeOut(c.String("out"), out, false); err != nil {
				return err
			}
			return e.printNote(c, ca.CRLSummary(lists))
		},
	}
}
