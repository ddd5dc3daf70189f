package main

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

func (e *env) signCommand() *cli.Command {
	return &cli.Command{
		Name:  "sign",
		Usage: "sign a CSR with the intermediate, or self-sign it (openssl x509 -req)",
		UsageText: `localca sign --csr api.csr --profile server --days 30 --chain --out api.pem
   localca sign --self-signed --key api.key --csr api.csr --out self.pem`,
		Description: `The certificate is built from the policy alone: the CSR gives its public key
and the names it asks for; the profile gives the usages. Nothing else of the
CSR is copied. A CSR that asks for CA:TRUE, keyCertSign or cRLSign, is signed
with SHA-1, or carries more than 100 names is refused, and so is a CSR file
over 1 MiB. The certificate is in the store before it is written.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "csr", Usage: "the CSR file (PEM or DER)", Required: true},
			&cli.StringFlag{Name: "profile", Value: "server", Usage: "server, client or peer"},
			&cli.IntFlag{Name: "days", Usage: "validity in days (default: the profile's)"},
			&cli.BoolFlag{Name: "chain", Usage: "write the leaf followed by the intermediate"},
			&cli.BoolFlag{Name: "self-signed", Usage: "sign with the CSR's own key (--key) instead of the CA"},
			&cli.StringFlag{Name: "key", Usage: "with --self-signed: the CSR's private key"},
			outFlag("write the certificate here (default stdout)"),
			passwordFileFlag(),
			policyFlag(),
			urlFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.Int("days") < 0 {
				return usagef("--days must be positive")
			}
			data, csr, err := readCSR(c)
			if err != nil {
				return err
			}
			opts := ca.SignOptions{Profile: c.String("profile"), Validity: daysFlag(c)}
			if c.Bool("self-signed") {
				return e.selfSign(c, data, opts)
			}
			if c.IsSet("key") {
				return usagef("--key is only for --self-signed")
			}
			authority, err := e.openCA(c, ca.Access{})
			if err != nil {
				return err
			}
			iss, err := authority.SignRequest(csr, opts)
			if err != nil {
				return err
			}
			out := iss.PEM()
			if c.Bool("chain") {
				out = iss.ChainPEM()
			}
			if err := e.writeOut(c.String("out"), out, false); err != nil {
				return err
			}
			e.note("signed %s, serial %s, valid until %s", iss.Cert.Subject.CommonName, iss.Record.SerialHex(), iss.Cert.NotAfter.UTC().Format(time.RFC3339))
			return nil
		},
	}
}

func (e *env) selfSign(c *cli.Context, csrData []byte, opts ca.SignOptions) error {
	if c.String("key") == "" {
		return usagef("--self-signed needs --key, the CSR's private key")
	}
	key, err := e.readKeyFile(c, c.String("key"))
	if err != nil {
		return err
	}
	iss, err := e.caHome(c).SelfSign(csrData, key, opts, time.Now())
	if err != nil {
		return err
	}
	if err := e.writeOut(c.String("out"), iss.PEM(), false); err != nil {
		return err
	}
	e.note("self-signed %s, serial %s", iss.Cert.Subject.CommonName, iss.Record.SerialHex())
	return nil
}

// daysFlag reads --days as a duration; 0 means the profile's default.
func daysFlag(c *cli.Context) time.Duration {
	return time.Duration(c.Int("days")) * 24 * time.Hour
}
