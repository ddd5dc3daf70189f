package main

import (
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

func (e *env) renewCommand() *cli.Command {
	return &cli.Command{
		Name:  "renew",
		Usage: "a new certificate in place of an issued one: same names, profile and validity length",
		UsageText: `localca renew localhost.pem                  # writes localhost.pem and localhost-key.pem anew
   localca renew 01A2B3… --out-dir certs       # by serial: writes certs/FIRST.pem, certs/FIRST-key.pem
   localca renew app.test.pem --reuse-key --revoke-old`,
		Description: `Issues a successor of an issued certificate: the same names (the first one
first), the same profile, the same validity length, and a new key of the same
type unless --reuse-key (then the key file beside FILE, else the key the store
kept when issue made it). The policy in force today decides, as for issue.

Given a FILE, it writes over FILE and its key file (FILE without .pem, then
-key.pem, or --key-file); given a SERIAL, it writes as issue does, FIRST.pem
and FIRST-key.pem in --out-dir. The new certificate is in the store before the
files are written. --revoke-old then revokes the old one, reason superseded.`,
		ArgsUsage: "SERIAL|FILE",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "reuse-key", Usage: "certify the old key again instead of a new one"},
			&cli.BoolFlag{Name: "revoke-old", Usage: "revoke the old certificate (reason superseded) once the new one is stored"},
			&cli.StringFlag{Name: "key-file", Usage: "the key file of FILE (default: FILE's name, .pem replaced by -key.pem)"},
			&cli.StringFlag{Name: "out-dir", Value: ".", Usage: "folder for the files when renewing by SERIAL"},
			&cli.BoolFlag{Name: "p12", Usage: "also write a PKCS#12 bundle beside the certificate (FIRST.p12)"},
			&cli.StringFlag{Name: "p12-password-file", Usage: "password of the .p12 (default \"changeit\")"},
			passwordFileFlag(),
			policyFlag(),
			urlFlag(),
			jsonFlag(),
		},
		Action: withArgs(1, "renew takes one SERIAL or FILE, like: localca renew localhost.pem", e.renew),
	}
}

func (e *env) renew(c *cli.Context) error {
	arg := c.Args().First()
	serial, certFile, err := ca.RenewRef(arg)
	switch {
	case certFile == "" && c.IsSet("key-file"):
		return usagef("--key-file goes with a FILE; %q is none", arg)
	case certFile != "" && c.IsSet("out-dir"):
		return usagef("--out-dir goes with a SERIAL: a FILE is renewed in place")
	case errors.Is(err, ca.ErrBadRef):
		return usageError{err}
	case err != nil:
		return err
	}
	authority, err := e.openCA(c, ca.Access{})
	if err != nil {
		return err
	}
	old, err := authority.Stored(serial)
	if err != nil {
		return fmt.Errorf("renewing %s: %w", ca.FormatSerial(serial), err)
	}
	files := ca.RenewFiles(old, certFile, c.String("key-file"), c.String("out-dir"), c.Bool("p12"))
	if err := files.ReadP12Password(c.String("p12-password-file")); err != nil {
		return err
	}
	if err := files.Check(); err != nil {
		return err
	}
	req := ca.RenewRequest{Serial: serial, ReuseKey: c.Bool("reuse-key"), RevokeOld: c.Bool("revoke-old")}
	if req.ReuseKey && certFile != "" { // the key file beside FILE, else the store's
		if req.Key, err = files.ExistingKey(func() ([]byte, error) { return e.password(c, "key password", false) }); err != nil {
			return err
		}
	}
	r, err := authority.RenewInto(req, files)
	if err != nil {
		return filesError(err)
	}
	return e.print(c, r.Report(files, req.ReuseKey))
}
