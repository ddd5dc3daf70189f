package main

import (
	"encoding/pem"
	"fmt"
	"path/filepath"
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
					home, err := e.caHome(c).Path()
					if err != nil {
						return err
					}
					return e.printCAInfo(c, authority, filepath.Join(home, "localca.db"))
				}},
		},
	}
}

func (e *env) printCAInfo(c *cli.Context, authority *ca.CA, path string) error {
	root, inter := authority.DescribeHierarchy(time.Now())
	if c.Bool("json") {
		return e.printJSON(map[string]any{"store": path, "keys": encryptedWord(authority.Encrypted()), "root": root, "intermediate": inter})
	}
	fmt.Fprintf(e.stdout, "Store:           %s\nCA keys:         %s\n\nRoot\n", path, encryptedWord(authority.Encrypted()))
	printCertInfo(e.stdout, root)
	fmt.Fprintf(e.stdout, "\nIntermediate\n")
	printCertInfo(e.stdout, inter)
	return nil
}
