package main

import (
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
			if err := files.ReadP12Password(c.String("p12-password-file")); err != nil {
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
				Validity: daysFlag(c),
			})
			if err != nil {
				return err
			}
			if err := files.Write(iss); err != nil {
				return filesError(err)
			}
			return e.printLine(c, iss.Report(files))
		},
	}
}
