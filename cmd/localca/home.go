package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/safehome"
	"github.com/localca/localca/internal/truststore"
	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
)

// home is the folder of the store: --home, $LOCALCA_HOME, or
// $XDG_DATA_HOME/localca (~/.local/share/localca).
func (e *env) home(c *cli.Context) (string, error) {
	if h := homeFlagValue(c); h != "" {
		return filepath.Abs(h)
	}
	if h := e.getenv("LOCALCA_HOME"); h != "" {
		return filepath.Abs(h)
	}
	if x := e.getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "localca"), nil
	}
	u, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the data folder (set --home or LOCALCA_HOME): %w", err)
	}
	return filepath.Join(u, ".local", "share", "localca"), nil
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

// openStore opens HOME/localca.db (see opener) for this command's work.
func (e *env) openStore(c *cli.Context, readOnly bool) (*store.Store, error) {
	open, err := e.opener(c, readOnly)
	if err != nil {
		return nil, err
	}
	return open()
}

// opener opens the store (--store, $LOCALCA_STORE, else HOME/localca.db)
// for one short piece of work at a time. Read-only commands take a shared
// lock so that they can run beside each other. Each open waits for other
// localca processes (ca.DefaultLockWait, or $LOCALCA_LOCK_WAIT) and says
// after a second that it waits, and for whom, so that a paused `list |
// less` elsewhere is found, not guessed at. etcd has no lock to wait for.
func (e *env) opener(c *cli.Context, readOnly bool) (ca.Opener, error) {
	loc, err := e.storeLocation(c)
	if err != nil {
		return nil, err
	}
	if loc.IsEtcd() {
		var so store.Options
		if e.storeOptions != nil {
			so = *e.storeOptions
		}
		return func() (*store.Store, error) {
			return ca.OpenStoreAt(loc, ca.OpenOptions{ReadOnly: readOnly, Store: so})
		}, nil
	}
	path := loc.Where
	// StrictModes: the folder that holds the store (the home, by default)
	// and the store itself, before either is read or created.
	if err := e.checkHome(filepath.Dir(path), path, !readOnly); err != nil {
		return nil, err
	}
	if readOnly {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no store at %s yet: run `localca init` or `localca issue NAME`", path)
		}
	}
	o := ca.OpenOptions{ReadOnly: readOnly, OnWait: func(p, holder string) {
		e.note("localca: waiting for the store %s, in use by %s", p, holder)
	}}
	if w := e.getenv("LOCALCA_LOCK_WAIT"); w != "" {
		if o.Wait, err = time.ParseDuration(w); err != nil || o.Wait <= 0 {
			return nil, usagef("LOCALCA_LOCK_WAIT=%q: want a duration such as 30s", w)
		}
	}
	if e.storeOptions != nil {
		o.Store = *e.storeOptions
	}
	// A one-shot command migrates a small older store itself, saying so;
	// a large one is refused with the command that migrates it.
	o.Store.Migrate = store.MigrateSmall
	o.Store.Notice = func(m string) { fmt.Fprintln(e.stderr, "localca: "+m) }
	return ca.StoreOpener(path, o), nil
}

// checkHome refuses, as OpenSSH's StrictModes, a home folder or a file in
// it (the store, the policy) that another user owns or may write, or whose
// folders above they may write; with create it makes the home (0700).
// It runs before anything there is read or created.
func (e *env) checkHome(home, file string, create bool) error {
	chk, err := e.homeChecker()
	if err != nil {
		return err
	}
	if create {
		err = chk.MakeHome(home)
	} else {
		err = chk.Dir(home)
	}
	if err != nil {
		return err
	}
	return chk.File(file)
}

// checkFile is checkHome for a file given by its own path (--policy).
func (e *env) checkFile(path string) error {
	chk, err := e.homeChecker()
	if err != nil {
		return err
	}
	return chk.File(path)
}

// homeChecker checks for this process's user, or under sudo for the user
// who ran sudo (as trust finds them: SUDO_USER, else SUDO_UID).
func (e *env) homeChecker() (safehome.Checker, error) {
	inv, err := truststore.SudoUser(e.getenv, e.lookupUser)
	if err != nil {
		return safehome.Checker{}, err
	}
	if inv != nil {
		return safehome.Checker{UID: inv.UID}, nil
	}
	return safehome.ForProcess(e.getenv)
}

// policy is the policy in force: --policy / $LOCALCA_POLICY, else
// HOME/policy.toml when it exists, else the built-in default. A broken file is
// an error: the CA never falls back to the default silently.
func (e *env) policy(c *cli.Context) (*policies.Policy, string, error) {
	path := ""
	if c.IsSet("policy") || e.getenv("LOCALCA_POLICY") != "" {
		path = c.String("policy")
		if path == "" {
			path = e.getenv("LOCALCA_POLICY")
		}
	} else if h, err := e.home(c); err == nil {
		p := filepath.Join(h, "policy.toml")
		if err := e.checkHome(h, p, false); err != nil {
			return nil, "", err
		}
		if fileExists(p) {
			path = p
		}
	}
	if path == "" {
		return policies.Default(), "built-in default", nil
	}
	if err := e.checkFile(path); err != nil {
		return nil, "", err
	}
	p, err := policies.Load(path)
	if err != nil {
		return nil, "", err
	}
	return p, path, nil
}

// loadCA opens the store and the CA in it, with the password read only when
// a signing key is needed.
func (e *env) loadCA(c *cli.Context, readOnly bool) (*ca.CA, *store.Store, error) {
	pol, _, err := e.policy(c)
	if err != nil {
		return nil, nil, err
	}
	st, err := e.openStore(c, readOnly)
	if err != nil {
		return nil, nil, err
	}
	authority, err := e.openCA(c, st, pol)
	if err != nil {
		return nil, nil, err
	}
	return authority, st, nil
}

// openCA loads the CA held in st, closing st when it cannot.
func (e *env) openCA(c *cli.Context, st *store.Store, pol *policies.Policy) (*ca.CA, error) {
	authority, err := ca.Load(st, e.caOptions(c, pol))
	if err != nil {
		st.Close()
		if ca.IsNoCA(err) {
			return nil, fmt.Errorf("%w in %s: run `localca init` first (or `localca issue NAME`, which makes one)", err, st.Path())
		}
		return nil, err
	}
	return authority, nil
}

// caOptions are the CA's options for this command: its policy, the
// password read only when a signing key is needed, and the server's URL.
func (e *env) caOptions(c *cli.Context, pol *policies.Policy) ca.Options {
	return ca.Options{
		Policy:   pol,
		Password: func() ([]byte, error) { return e.password(c, "CA key password", false) },
		BaseURL:  e.baseURL(c),
	}
}

// password reads a password from --password-file / $LOCALCA_PASSWORD_FILE
// (its first line), else from the terminal. Never from argv, where other
// users of the machine could read it.
func (e *env) password(c *cli.Context, what string, confirm bool) ([]byte, error) {
	if f := c.String("password-file"); f != "" {
		return readPasswordFile(f)
	}
	if f := e.getenv("LOCALCA_PASSWORD_FILE"); f != "" {
		return readPasswordFile(f)
	}
	tty, ok := e.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(tty.Fd())) {
		return nil, fmt.Errorf("%w: %s (give --password-file, set LOCALCA_PASSWORD_FILE, or run on a terminal)", ca.ErrPasswordRequired, what)
	}
	fmt.Fprintf(e.stderr, "%s: ", what)
	pw, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return nil, fmt.Errorf("reading the password: %w", err)
	}
	if confirm {
		fmt.Fprintf(e.stderr, "again: ")
		again, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return nil, fmt.Errorf("reading the password: %w", err)
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

func readPasswordFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("password file: %w", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, maxPasswordFile)).ReadString('\n')
	if err != nil && line == "" {
		return nil, fmt.Errorf("password file %s is empty", path)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return nil, fmt.Errorf("password file %s: the first line is empty", path)
	}
	return []byte(pw), nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
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
