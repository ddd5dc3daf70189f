package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
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
	if inv != nil {
		var home string
		if e, home, err = e.forInvoker(c, inv); err != nil {
			return err
		}
		e.note("localca: run through sudo by %s: %s's CA (%s) and NSS databases (%s), certutil run as %s", inv.Name, inv.Name, home, inv.Home, inv.Name)
	}
	var names []string // nil: the stores present
	if c.IsSet("store") {
		names = strings.Split(c.String("store"), ",")
	}
	stores, err := truststore.Select(e.getenv("HOME"), inv, names)
	if errors.Is(err, truststore.ErrUnknownStore) {
		return usagef("--store %v", err)
	}
	root, err := e.trustRoot(c, inv)
	if err != nil {
		return err
	}
	report, err := truststore.Run(c.Context, verb, root, stores, names != nil)
	if c.Bool("json") {
		if perr := e.printJSON(report); perr != nil {
			return perr
		}
	} else {
		report.WriteText(e.stdout)
	}
	return err
}

// trustRoot reads the CA's root, and nothing else: trust needs no policy
// and no key. Under sudo the store must be the invoker's own regular file,
// so that root reads nothing the invoker could not.
func (e *env) trustRoot(c *cli.Context, inv *truststore.User) (*x509.Certificate, error) {
	h, err := e.caHome(c).Path()
	if err != nil {
		return nil, err
	}
	if inv != nil {
		if err := inv.Owns(filepath.Join(h, "localca.db"), false); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	open, err := e.caHome(c).Opener(true)
	if err != nil {
		return nil, err
	}
	root, err := ca.ReadRoot(open)
	if ca.IsNoCA(err) {
		return nil, fmt.Errorf("%w: run `localca init` first", err)
	}
	return root, err
}

// forInvoker returns e, under sudo, with the invoker's data folder as the default home,
// unless --home, LOCALCA_HOME or XDG_DATA_HOME says where the store is.
func (e *env) forInvoker(c *cli.Context, inv *truststore.User) (*env, string, error) {
	if h, err := e.caHome(c).Path(); err == nil && (homeFlagValue(c) != "" || e.getenv("LOCALCA_HOME") != "" || e.getenv("XDG_DATA_HOME") != "") {
		return e, h, nil
	}
	if inv.Home == "" {
		return nil, "", fmt.Errorf("the home folder of SUDO_USER %q is unknown (not in /etc/passwd): give --home", inv.Name)
	}
	dir := filepath.Join(inv.Home, ".local", "share", "localca")
	e2 := *e
	e2.getenv = func(k string) string {
		if k == "LOCALCA_HOME" {
			return dir
		}
		return e.getenv(k)
	}
	return &e2, dir, nil
}
