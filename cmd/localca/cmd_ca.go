package main

import (
	"encoding/pem"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

func (e *env) caCommand() *cli.Command {
	printPEM := func(which string) cli.ActionFunc {
		return func(c *cli.Context) error {
			authority, err := e.openCA(c, ca.Access{ReadOnly: true})
			if err != nil {
				return err
			}
			cert := authority.Root()
			if which == "intermediate" {
				cert = authority.Intermediate()
			}
			return e.writeOut(c.String("out"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), false)
		}
	}
	return &cli.Command{
		Name:  "ca",
		Usage: "print the CA's certificates and where it lives",
		Subcommands: []*cli.Command{
			{Name: "root", Usage: "print the root certificate (PEM)", UsageText: "localca ca root > root.pem", Flags: []cli.Flag{outFlag("write to this file instead of stdout")}, Action: printPEM("root")},
			{Name: "intermediate", Usage: "print the intermediate certificate (PEM)", UsageText: "localca ca intermediate > intermediate.pem", Flags: []cli.Flag{outFlag("write to this file instead of stdout")}, Action: printPEM("intermediate")},
			{Name: "info", Usage: "subjects, fingerprints, validity, and where the store is", UsageText: "localca ca info [--json]", Flags: []cli.Flag{jsonFlag()},
				Action: func(c *cli.Context) error {
					authority, err := e.openCA(c, ca.Access{ReadOnly: true})
					if err != nil {
						return err
					}
					file, err := e.caHome(c).StoreFile()
					if err != nil {
						return err
					}
					return e.print(c, authority.Info(file, time.Now()))
				}},
		},
	}
}
