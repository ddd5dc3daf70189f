package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/localca/localca/ca"
	"github.com/urfave/cli/v2"
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
		Action: e.renew,
	}
}

func (e *env) renew(c *cli.Context) error {
	if c.Args().Len() != 1 {
		return usagef("renew takes one SERIAL or FILE, like: localca renew localhost.pem")
	}
	arg, certFile := c.Args().First(), ""
	if isRegularFile(arg) {
		certFile = arg
	} else if c.IsSet("key-file") {
		return usagef("--key-file goes with a FILE; %q is none", arg)
	}
	if certFile != "" && c.IsSet("out-dir") {
		return usagef("--out-dir goes with a SERIAL: a FILE is renewed in place")
	}
	serial, err := renewSerial(arg, certFile)
	if err != nil {
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
	if err := p12Password(c, &files); err != nil {
		return err
	}
	if err := files.Check(); err != nil {
		return err
	}
	req := ca.RenewRequest{Serial: serial, ReuseKey: c.Bool("reuse-key"), RevokeOld: c.Bool("revoke-old")}
	if req.ReuseKey && certFile != "" && isRegularFile(files.Key) {
		if req.Key, err = e.readKeyFile(c, files.Key); err != nil {
			return err
		}
	}
	r, err := authority.RenewInto(req, files)
	if err != nil {
		return filesError(err)
	}
	return e.printRenewed(c, r, files)
}

// renewSerial is the serial of the certificate in certFile, else arg read
// as a serial.
func renewSerial(arg, certFile string) ([]byte, error) {
	if certFile == "" {
		serial, err := ca.ParseSerial(arg)
		if err != nil {
			return nil, usagef("%q is neither a file nor a serial: %v", arg, err)
		}
		return serial, nil
	}
	data, err := ca.ReadInput(certFile, ca.MaxInputFile)
	if err != nil {
		return nil, err
	}
	certs, err := ca.ParseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", certFile, err)
	}
	return certs[0].SerialNumber.Bytes(), nil
}

func (e *env) printRenewed(c *cli.Context, r *ca.Renewed, files ca.Files) error {
	if c.Bool("json") {
		return e.printJSON(map[string]any{
			"serial": ca.FormatSerial(r.Record.Serial), "old_serial": ca.FormatSerial(r.Old.Record.Serial),
			"names": r.Record.Names, "profile": r.Record.Profile, "not_after": r.Cert.NotAfter,
			"old_revoked": r.Revoked, "key_reused": c.Bool("reuse-key"), "files": filesMap(files),
		})
	}
	fmt.Fprintf(e.stdout, "Renewed %s as %s for %s (%s, valid until %s)\n",
		ca.FormatSerial(r.Old.Record.Serial), ca.FormatSerial(r.Record.Serial), strings.Join(quoteAll(r.Record.Names), ", "),
		keyNameOf(r.Issued), r.Cert.NotAfter.UTC().Format("2006-01-02 15:04 MST"))
	e.printFiles(files)
	if r.Revoked {
		fmt.Fprintf(e.stdout, "  revoked %s (superseded)\n", ca.FormatSerial(r.Old.Record.Serial))
	}
	return nil
}

// quoteAll quotes names that hold what a terminal would interpret.
func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = printable(n)
	}
	return out
}

func isRegularFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
