package main

import (
	"encoding/pem"
	"fmt"

	"github.com/urfave/cli/v2"
)

func (e *env) exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write a stored certificate as PEM, DER, or the chain; or its stored private key",
		UsageText: "localca export 3f2a… --chain --out api-chain.pem\n   localca export 3f2a… --key --out api-key.pem      # the key `issue` made (0600)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "der", Usage: "DER instead of PEM (the leaf only)"},
			&cli.BoolFlag{Name: "chain", Usage: "the leaf followed by its issuer"},
			&cli.BoolFlag{Name: "key", Usage: "the certificate's private key as the store keeps it (PKCS#8 PEM), written 0600"},
			outFlag("write here (default stdout)"),
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return usagef("export takes one SERIAL")
			}
			if c.Bool("der") && c.Bool("chain") {
				return usagef("--der writes one certificate; it cannot carry a chain")
			}
			if c.Bool("key") && (c.Bool("der") || c.Bool("chain")) {
				return usagef("--key writes the private key; it goes with neither --der nor --chain")
			}
			st, err := e.openStore(c, true)
			if err != nil {
				return err
			}
			defer st.Close()
			rec, err := certBySerialArg(st, c.Args().First())
			if err != nil {
				return err
			}
			if c.Bool("key") {
				k, err := st.Key(rec.KeyFingerprint)
				if err != nil {
					return fmt.Errorf("the key of %s: %w", rec.SerialHex(), err)
				}
				if len(k.PEM) == 0 {
					return fmt.Errorf("the store holds no private key for %s: it was signed from a CSR, so its key never left the requester", rec.SerialHex())
				}
				return e.writeOut(c.String("out"), k.PEM, true)
			}
			if c.Bool("der") {
				return e.writeOut(c.String("out"), rec.DER, false)
			}
			out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rec.DER})
			if c.Bool("chain") && rec.IssuerID != "" {
				a, err := st.Authority(rec.IssuerID)
				if err != nil {
					return err
				}
				out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.CertDER})...)
			}
			return e.writeOut(c.String("out"), out, false)
		},
	}
}
