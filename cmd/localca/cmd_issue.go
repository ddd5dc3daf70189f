package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

func (e *env) issueCommand() *cli.Command {
	return &cli.Command{
		Name:  "issue",
		Usage: "key + CSR + certificate in one step (makes a CA on first use)",
		UsageText: `localca issue localhost 127.0.0.1 ::1      # writes localhost.pem, localhost-key.pem
   localca issue --client alice@example.test
   localca issue --profile peer --key-type ed25519 api.test spiffe://localca.test/api
   localca issue --p12 app.test                # also app.test.p12 (password "changeit")`,
		Description: `Writes FIRST.pem (the leaf, then the intermediate) and FIRST-key.pem (0600),
where FIRST is the first name ("*" becomes "_wildcard", ":" and "/" "_"), and
with --p12 FIRST.p12. The folder and the file names are checked before anything
is issued; the certificate is in the store before the files are written, and
if writing them still fails, the error names its serial and the commands that
write them again (localca export SERIAL --chain / --key).`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "profile", Value: "server", Usage: "server, client or peer"},
			&cli.BoolFlag{Name: "client", Usage: "shorthand for --profile client"},
			keyTypeFlag(),
			&cli.IntFlag{Name: "days", Usage: "validity in days (default: the profile's: 90 for server and client, 1 for peer)"},
			&cli.BoolFlag{Name: "p12", Usage: "also write FIRST.p12 (PKCS#12: key, leaf, intermediate)"},
			&cli.StringFlag{Name: "p12-password-file", Usage: "password of the .p12 (default \"changeit\")"},
			&cli.StringFlag{Name: "out-dir", Value: ".", Usage: "folder for the files"},
			passwordFileFlag(),
			policyFlag(),
			urlFlag(),
			jsonFlag(),
			brokenFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.IsSet("broken") {
				return e.issueBroken(c)
			}
			if c.Args().Len() == 0 {
				return usagef("issue needs at least one name, like: localca issue localhost 127.0.0.1")
			}
			profile := c.String("profile")
			if c.Bool("client") {
				if c.IsSet("profile") && profile != "client" {
					return usagef("--client contradicts --profile %s", profile)
				}
				profile = "client"
			}
			if _, err := ca.ParseKeyType(c.String("key-type")); err != nil {
				return usageError{err}
			}
			if c.Int("days") < 0 {
				return usagef("--days must be positive")
			}
			files := ca.FilesFor(c.String("out-dir"), c.Args().First(), c.Bool("p12"))
			if err := p12Password(c, &files); err != nil {
				return err
			}
			if err := files.Check(); err != nil {
				return err
			}
			authority, err := e.openCA(c, ca.Access{InitIfNone: true})
			if err != nil {
				return err
			}
			iss, err := authority.Issue(ca.IssueRequest{
				Names: c.Args().Slice(), Profile: profile, KeyType: c.String("key-type"),
				Validity: time.Duration(c.Int("days")) * 24 * time.Hour,
			})
			if err != nil {
				return err
			}
			if err := files.Write(iss); err != nil {
				return filesError(err)
			}
			return e.printIssued(c, iss, files)
		},
	}
}

func (e *env) printIssued(c *cli.Context, iss *ca.Issued, files ca.Files) error {
	if c.Bool("json") {
		out := map[string]any{"serial": iss.Record.SerialHex(), "names": iss.Record.Names, "profile": iss.Record.Profile,
			"not_after": iss.Cert.NotAfter, "files": filesMap(files)}
		return json.NewEncoder(e.stdout).Encode(out)
	}
	fmt.Fprintf(e.stdout, "Issued %s for %s (%s, serial %s, valid until %s)\n",
		iss.Record.Profile, strings.Join(quoteAll(iss.Record.Names), ", "), keyNameOf(iss), iss.Record.SerialHex(),
		iss.Cert.NotAfter.UTC().Format("2006-01-02 15:04 MST"))
	e.printFiles(files)
	return nil
}

// printFiles lists the files written, quoted for a shell.
func (e *env) printFiles(f ca.Files) {
	fmt.Fprintf(e.stdout, "  certificate: %s\n  key:         %s\n", shellQuote(f.Cert), shellQuote(f.Key))
	if f.P12 != "" {
		fmt.Fprintf(e.stdout, "  pkcs12:      %s\n", shellQuote(f.P12))
	}
}

// filesMap is what --json says of the files written.
func filesMap(f ca.Files) map[string]string {
	m := map[string]string{"cert": f.Cert, "key": f.Key}
	if f.P12 != "" {
		m["p12"] = f.P12
	}
	return m
}

// p12Password sets the bundle's password from --p12-password-file.
func p12Password(c *cli.Context, files *ca.Files) error {
	if f := c.String("p12-password-file"); f != "" {
		pw, err := ca.ReadPasswordFile(f)
		if err != nil {
			return err
		}
		files.P12Password = string(pw)
	}
	return nil
}

func keyNameOf(iss *ca.Issued) string {
	alg, size := ca.DescribeKey(iss.Cert.PublicKey)
	return fmt.Sprintf("%s %d", alg, size)
}
