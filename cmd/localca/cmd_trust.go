package main

import (
	"errors"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/internal/truststore"
)

func (e *env) trustCommand() *cli.Command {
	flags := func() []cli.Flag {
		return []cli.Flag{
			&cli.StringFlag{Name: "store", Usage: "trust stores, comma-separated: system, nss (Chromium, Firefox), java, keychain (macOS) (default: all that are present)"},
			jsonFlag(),
		}
	}
	do := func(verb string) cli.ActionFunc {
		return func(c *cli.Context) error { return e.trust(c, verb) }
	}
	return &cli.Command{
		Name:  "trust",
		Usage: "install the CA's root in the system, NSS (browsers), Java and macOS trust stores",
		Description: `   sudo localca trust install                  # every store present: system bundle, browsers' NSS databases, Java
   localca trust install --store nss           # only the browsers (no root needed)
   localca trust status                        # where the root is trusted, by SHA-256 fingerprint
   localca trust uninstall                     # removes exactly this root, nothing else

The system store needs update-ca-certificates (Debian, Ubuntu) or update-ca-trust
(Fedora, RHEL) and root; NSS needs certutil (Debian: libnss3-tools) and a
database (~/.pki/nssdb, Firefox profiles); Java needs keytool; keychain is macOS
only. A store that is not present is skipped with a line saying why when it was
not asked for by name, and is an error when it was. Every store is checked
before any is changed: without the rights a change needs, nothing is changed.
Installing twice changes nothing the second time. Under sudo, the CA and the
NSS databases are those of the user who ran sudo (SUDO_USER).`,
		Subcommands: []*cli.Command{
			{Name: "install", Usage: "trust the root", Flags: flags(), Action: do("install")},
			{Name: "uninstall", Usage: "stop trusting the root (removes only entries with its fingerprint)", Flags: flags(), Action: do("uninstall")},
			{Name: "status", Usage: "say where the root is trusted", Flags: flags(), Action: do("status")},
		},
	}
}

func (e *env) trust(c *cli.Context, verb string) error {
	inv, err := truststore.SudoUser(e.getenv, e.lookupUser)
	if err != nil {
		return err
	}
	h := e.caHome(c)
	if inv != nil {
		var dir string
		h, dir, err = h.ForSudo(inv) // the store must be the invoker's own
		if dir != "" {
			e.note("localca: run through sudo by %s: %s's CA (%s) and NSS databases (%s), certutil run as %s", inv.Name, inv.Name, dir, inv.Home, inv.Name)
		}
		if err != nil {
			return err
		}
	}
	var names []string // nil: the stores present
	if c.IsSet("store") {
		names = strings.Split(c.String("store"), ",")
	}
	stores, err := truststore.Select(e.getenv("HOME"), inv, names)
	if errors.Is(err, truststore.ErrUnknownStore) {
		return usagef("--store %v", err)
	}
	root, err := h.Root()
	if err != nil {
		return err
	}
	report, err := truststore.Run(c.Context, verb, root, stores, names != nil)
	if perr := e.print(c, report); perr != nil {
		return perr
	}
	return err // what failed is in the report too
}
