package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/policies"
)

// caHome is the CA home this command names: --home, --store (with etcd's
// TLS files) and --policy, wherever on the line they were given; ca.Home
// finds the rest from the environment and checks it.
func (e *env) caHome(c *cli.Context) ca.Home {
	return ca.Home{
		Dir: homeFlagValue(c),
		Store: ca.StoreLocation{Where: lineageString(c, "store"), EtcdCACert: lineageString(c, "etcd-cacert"),
			EtcdCert: lineageString(c, "etcd-cert"), EtcdKey: lineageString(c, "etcd-key")},
		PolicyFile:   c.String("policy"),
		Getenv:       e.getenv,
		LookupUser:   e.lookupUser,
		OnWait:       func(p, holder string) { e.note("localca: waiting for the store %s, in use by %s", p, holder) },
		Notice:       func(m string) { fmt.Fprintln(e.stderr, "localca: "+m) },
		BeforeCommit: e.beforeCommit,
	}
}

// openCA opens this command's CA, as a says (ca.Access): read under a
// shared lock, connected (the store opened again only to commit), or held
// open until authority.Close; with a.InitIfNone it makes a CA on first
// use, as mkcert does, and says so. The password is read only when a
// signing key is needed.
func (e *env) openCA(c *cli.Context, a ca.Access) (*ca.CA, error) {
	h := e.caHome(c)
	authority, created, err := h.Open(a, e.caOptions(c, nil))
	if err != nil {
		return nil, err
	}
	e.opened = append(e.opened, authority)
	if created {
		where := authority.Where()
		if loc, err := h.Location(); where == "" && err == nil {
			where = loc.Where
		}
		e.note("localca: created a new CA in %s (keys not encrypted; `localca init --force` makes one with a password)", where)
		e.note("localca: root %q, trust it with: localca ca root > root.pem", authority.Root().Subject.CommonName)
	}
	return authority, nil
}

// homeFlagValue is --home, which may sit before or after the subcommand: it
// looks up the lineage.
func homeFlagValue(c *cli.Context) string {
	for _, cc := range c.Lineage() {
		if h := cc.String("home"); cc.IsSet("home") && h != "" {
			return h
		}
	}
	return ""
}

// caOptions are the CA's options for this command: its policy (nil: the
// home's), the password read only when a signing key is needed, and the
// server's URL.
func (e *env) caOptions(c *cli.Context, pol *policies.Policy) ca.Options {
	return ca.Options{
		Policy:   pol,
		Password: func() ([]byte, error) { return e.password(c, "CA key password", false) },
		BaseURL:  e.baseURL(c),
	}
}

// baseURL is where `localca serve` publishes the CA (--url, else
// $LOCALCA_URL): leaves issued with one carry its CRL distribution point
// and OCSP / caIssuers URLs.
func (e *env) baseURL(c *cli.Context) string {
	if u := c.String("url"); u != "" {
		return strings.TrimSuffix(u, "/")
	}
	return strings.TrimSuffix(e.getenv("LOCALCA_URL"), "/")
}

// password reads a password from --password-file / $LOCALCA_PASSWORD_FILE
// (its first line), else from the terminal. Never from argv, where other
// users of the machine could read it.
func (e *env) password(c *cli.Context, what string, confirm bool) ([]byte, error) {
	if f := c.String("password-file"); f != "" {
		return ca.ReadPasswordFile(f)
	}
	if f := e.getenv("LOCALCA_PASSWORD_FILE"); f != "" {
		return ca.ReadPasswordFile(f)
	}
	tty, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(tty.Fd())) {
		return nil, fmt.Errorf("%w: %s (give --password-file, set LOCALCA_PASSWORD_FILE, or run on a terminal)", ca.ErrPasswordRequired, what)
	}
	prompt := func(p string) ([]byte, error) {
		fmt.Fprint(e.stderr, p)
		pw, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return nil, fmt.Errorf("reading the password: %w", err)
		}
		return pw, nil
	}
	pw, err := prompt(what + ": ")
	if err != nil {
		return nil, err
	}
	if confirm {
		again, err := prompt("again: ")
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(pw, again) {
			return nil, errors.New("the two passwords differ")
		}
	}
	if len(pw) == 0 {
		return nil, errors.New("empty password (use --no-password for a CA without one)")
	}
	return pw, nil
}
