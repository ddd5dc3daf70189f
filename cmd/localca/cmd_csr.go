package main

import (
	"encoding/pem"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

func (e *env) csrCommand() *cli.Command {
	return &cli.Command{
		Name:  "csr",
		Usage: "certificate signing requests (openssl req -new)",
		Subcommands: []*cli.Command{{
			Name:  "create",
			Usage: "make a CSR from a key file and record it",
			UsageText: `localca csr create --key server.key --cn api.test --san api.test --san 127.0.0.1 --out api.csr
   localca csr create --key svc.key --subject "/CN=svc.test/O=Acme" --san spiffe://localca.test/svc`,
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "key", Usage: "the private key file (PKCS#1, SEC1 or PKCS#8, encrypted or not)", Required: true},
				&cli.StringFlag{Name: "subject", Usage: `subject in openssl form, "/CN=a.test/O=Acme"`},
				&cli.StringFlag{Name: "cn", Usage: "common name (overrides the subject's CN)"},
				&cli.StringSliceFlag{Name: "san", Usage: "a subject alternative name: DNS name, IP, email or URI (repeat)"},
				outFlag("write the CSR here (default stdout)"),
				passwordFileFlag(),
				jsonFlag(),
			},
			Action: func(c *cli.Context) error {
				subject, err := ca.ParseSubject(c.String("subject"))
				if err != nil {
					return usageError{err}
				}
				if c.String("cn") != "" {
					ca.SetCommonName(&subject, c.String("cn"))
				}
				sans := c.StringSlice("san")
				if subject.CommonName == "" && len(sans) == 0 {
					return usagef("give a --cn, a --subject with CN=, or at least one --san")
				}
				key, err := e.readKeyFile(c, c.String("key"))
				if err != nil {
					return err
				}
				csr, id, err := e.caHome(c).CreateCSR(key, ca.CSRRequest{Subject: subject, SANs: sans})
				if err != nil {
					return err
				}
				if err := e.writeOut(c.String("out"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr.Raw}), false); err != nil {
					return err
				}
				return e.printNote(c, ca.CSRReportOf(csr, id, c.String("out")))
			},
		}},
	}
}
