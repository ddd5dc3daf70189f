package main

import (
	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

func (e *env) exportCommand() *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "write a stored certificate as PEM, DER, or the chain; or its stored key",
		UsageText: `localca export 01A2… --chain --out api-chain.pem
   localca export 01A2… --key --out api-key.pem     # the key issue made, kept in the store`,
		Description: `With --key, writes the private key that issue (or renew) made for the
certificate and kept in the store, as unencrypted PKCS#8 PEM, mode 0600: so the
files of any certificate issue made can be written again. A certificate signed
from a CSR has no key in the store (it never left its owner). A store in etcd
keeps the key sealed: --key then needs the CA password.`,
		Flags: []cli.Flag{
			passwordFileFlag(),
			&cli.BoolFlag{Name: "der", Usage: "DER instead of PEM (the leaf only)"},
			&cli.BoolFlag{Name: "chain", Usage: "the leaf followed by its issuer"},
			&cli.BoolFlag{Name: "key", Usage: "the certificate's private key, as the store keeps it (0600)"},
			outFlag("write here (default stdout)"),
		},
		Action: withArgs(1, "export takes one SERIAL", func(c *cli.Context) error {
			switch {
			case c.Bool("der") && c.Bool("chain"):
				return usagef("--der writes one certificate; it cannot carry a chain")
			case c.Bool("key") && (c.Bool("der") || c.Bool("chain")):
				return usagef("--key writes the key alone; it goes with neither --der nor --chain")
			}
			serial, err := ca.ParseSerial(c.Args().First())
			if err != nil {
				return usageError{err}
			}
			form := ca.ExportForm{DER: c.Bool("der"), Chain: c.Bool("chain"), Key: c.Bool("key")}
			data, secret, err := e.caHome(c).Export(serial, form, e.caOptions(c, nil))
			if err != nil {
				return err
			}
			return e.writeOut(c.String("out"), data, secret)
		}),
	}
}
