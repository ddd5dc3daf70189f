package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/cliargs"
	"github.com/localca/localca/policies"
)

// caHome is the CA home this command names: --home, --store (with etcd's
// TLS files) and --policy, wherever on the line they were given; ca.Home
// finds the rest from the environment and checks it.
func (e *env) caHome(c *cli.Context) ca.Home {
	return ca.Home{
		Dir: cliargs.Lineage(c, "home", ""),
		Store: ca.StoreLocation{Where: cliargs.Lineage(c, "store", storeUsage), EtcdCACert: cliargs.Lineage(c, "etcd-cacert", ""),
			EtcdCert: cliargs.Lineage(c, "etcd-cert", ""), EtcdKey: cliargs.Lineage(c, "etcd-key", "")},
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

// caOptions are the CA's options for this command: its policy (nil: the
// home's), the password read only when a signing key is needed, and the
// server's URL.
func (e *env) caOptions(c *cli.Context, pol *policies.Policy) ca.Options {
	return ca.Options{
		Policy:   pol,
		Password: func() ([]byte, error) { return e.password(c, "CA key password", false) },
		BaseURL:  e.caHome(c).BaseURL(c.String("url")),
	}
}

// password reads a password from --password-file / $LOCALCA_PASSWORD_FILE
// (its first line), else from the terminal (ca.PasswordSource).
func (e *env) password(c *cli.Context, what string, confirm bool) ([]byte, error) {
	return ca.PasswordSource{File: c.String("password-file"), Getenv: e.getenv, In: e.stdin, Out: e.stderr}.Read(what, confirm)
}
