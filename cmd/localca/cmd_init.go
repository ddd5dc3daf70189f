package main

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/truststore"
)

func (e *env) initCommand() *cli.Command {
	return &cli.Command{
		Name:  "init",
		Usage: "create the root (10 years) and intermediate (5 years) in the store",
		Description: `Creates a root CA and an intermediate (path length 0, name constraints from
the policy) and stores both, keys encrypted with PKCS#8 PBES2.

   localca init --password-file ~/.localca-pw
   localca init --no-password --key-type ed25519     # a throwaway dev CA`,
		Flags: []cli.Flag{
			keyTypeFlag(),
			&cli.StringFlag{Name: "name", Value: "localca Root CA", Usage: "the root's common name"},
			passwordFileFlag(),
			&cli.BoolFlag{Name: "no-password", Usage: "keep the CA keys unencrypted (a throwaway dev CA)"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing CA"},
			policyFlag(),
			jsonFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return usagef("init takes no arguments (got %q)", c.Args().First())
			}
			if _, err := ca.ParseKeyType(c.String("key-type")); err != nil {
				return usageError{err}
			}
			pol, _, err := e.caHome(c).Policy()
			if err != nil {
				return err
			}
			var pw []byte
			if !c.Bool("no-password") {
				if pw, err = e.password(c, "new CA key password", true); err != nil {
					return err
				}
			} else if c.IsSet("password-file") {
				return usagef("--no-password and --password-file contradict each other")
			}
			authority, old, err := e.caHome(c).Init(ca.InitOptions{KeyType: c.String("key-type"), Name: c.String("name"), Password: pw, Force: c.Bool("force")}, ca.Options{Policy: pol})
			if err != nil {
				return err
			}
			defer authority.Close()
			if old != nil {
				// trust uninstall knows only the store's current root from
				// now on: say where the old one was put, under which name.
				e.note("localca: the replaced root (SHA-256 %s) stays trusted wherever `localca trust install` put it: "+
					"in NSS and Java as %q (certutil -D -d sql:$HOME/.pki/nssdb -n %q), in the system store as %s",
					truststore.Fingerprint(old), truststore.Nickname(old), truststore.Nickname(old), truststore.SystemFile(old))
			}
			return e.print(c, authority.Info(authority.Where(), time.Now()))
		},
	}
}
