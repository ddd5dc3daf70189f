package ca

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/localca/localca/internal/safehome"
	"github.com/localca/localca/internal/truststore"
	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
)

// Home finds the CA of one user the way the localca command does, so that a
// program opens "the CA of this home" in one call (Home.Open) and sees the
// same CA, store and policy as the command line. The zero value is the CA
// of this process's user, found from the environment.
//
// Before anything in the home is read or created, the home folder, the
// store and the policy file are checked as OpenSSH's StrictModes checks
// ~/.ssh: a path another user owns or may write is refused
// (safehome.ErrUnsafe), naming its owner, mode and fix. Under sudo they are
// checked for the user who ran sudo.
type Home struct {
	// Dir is the home folder. "" means $LOCALCA_HOME, else
	// $XDG_DATA_HOME/localca, else ~/.local/share/localca.
	Dir string
	// Store is where the store is. Its Where "" means $LOCALCA_STORE,
	// else Dir/localca.db.
	Store StoreLocation
	// PolicyFile is the policy in force. "" means $LOCALCA_POLICY, else
	// Dir/policy.toml when it exists, else policies.Default(). A broken
	// file is an error: the CA never falls back to the default silently.
	PolicyFile string

	// Getenv reads the environment; nil means os.Getenv. Tests give their
	// own, so that the user's LOCALCA_* never reach them.
	Getenv func(string) string
	// LookupUser finds the user behind sudo; nil means os/user.Lookup.
	LookupUser func(name string) (*user.User, error)
	// OnWait is told, after a second of waiting for another localca
	// process's lock, for whom the open waits (see OpenOptions.OnWait).
	OnWait func(path, holder string)
	// Notice is told what an open did by itself: it migrates a small store
	// of an older schema (a large one is refused with the command that
	// migrates it).
	Notice func(msg string)
	// BeforeCommit, when set, runs before each commit into the store, and
	// its error fails the commit: a seam for tests of a full disk.
	BeforeCommit func() error
}

func (h Home) getenv(k string) string {
	if h.Getenv == nil {
		return os.Getenv(k)
	}
	return h.Getenv(k)
}

// BaseURL is where `localca serve` publishes the CA: given (--url), else
// $LOCALCA_URL, without a trailing slash; "" when neither says. Leaves
// issued with one (Options.BaseURL) carry its CRL distribution point and
// OCSP / caIssuers URLs.
func (h Home) BaseURL(given string) string {
	if given == "" {
		given = h.getenv("LOCALCA_URL")
	}
	return strings.TrimSuffix(given, "/")
}

// storeFile is the store's file name in the home folder.
const storeFile = "localca.db"

// StoreFile is the path of the store file in the home folder, whether or
// not the store is there (Location says where the store is).
func (h Home) StoreFile() (string, error) {
	d, err := h.Path()
	return filepath.Join(d, storeFile), err
}

// Path is the home folder, absolute.
func (h Home) Path() (string, error) {
	if h.Dir != "" {
		return filepath.Abs(h.Dir)
	}
	if d := h.getenv("LOCALCA_HOME"); d != "" {
		return filepath.Abs(d)
	}
	if x := h.getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "localca"), nil
	}
	u, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the data folder (set --home or LOCALCA_HOME): %w", err)
	}
	return filepath.Join(u, ".local", "share", "localca"), nil
}

// Location is where the store is, a file's path made absolute.
func (h Home) Location() (StoreLocation, error) {
	l := h.Store
	if l.Where == "" {
		l.Where = h.getenv("LOCALCA_STORE")
	}
	if l.Where == "" {
		d, err := h.Path()
		if err != nil {
			return l, err
		}
		l.Where = filepath.Join(d, storeFile)
	} else if !l.IsEtcd() {
		abs, err := filepath.Abs(l.Where)
		if err != nil {
			return l, err
		}
		l.Where = abs
	}
	return l, nil
}

// builtinPolicy is where Home.Policy says the built-in default comes from.
const builtinPolicy = "built-in default"

// Policy is the policy of the home's files and where it came from (a path,
// or "built-in default"); a store that holds a policy enforces that one
// (EnforcedPolicy).
func (h Home) Policy() (*policies.Policy, string, error) {
	path := h.PolicyFile
	if path == "" {
		path = h.getenv("LOCALCA_POLICY")
	}
	if path == "" {
		if d, err := h.Path(); err == nil {
			p := filepath.Join(d, "policy.toml")
			if err := h.check(d, p, false); err != nil {
				return nil, "", err
			}
			if _, err := os.Stat(p); err == nil {
				path = p
			}
		}
	}
	if path == "" {
		return policies.Default(), builtinPolicy, nil
	}
	chk, err := h.checker()
	if err != nil {
		return nil, "", err
	}
	if err := chk.File(path); err != nil {
		return nil, "", err
	}
	p, err := policies.Load(path)
	if err != nil {
		return nil, "", err
	}
	return p, path, nil
}

// Opener opens the store for one short piece of work at a time. Read-only
// work takes a shared lock, so that readers run beside each other. Each open
// waits for other localca processes (DefaultLockWait, or
// $LOCALCA_LOCK_WAIT: ErrBadEnv when it is not a positive duration) and
// tells OnWait after a second for whom it waits. etcd has no lock to wait
// for. A read-only opener of a file that does not exist yet fails with
// ErrNoStoreYet rather than creating it.
func (h Home) Opener(readOnly bool) (Opener, error) {
	loc, err := h.Location()
	if err != nil {
		return nil, err
	}
	if loc.IsEtcd() {
		so := store.Options{BeforeCommit: h.BeforeCommit}
		return func() (*Store, error) {
			return OpenStoreAt(loc, OpenOptions{ReadOnly: readOnly, Store: so})
		}, nil
	}
	path := loc.Where
	if err := h.check(filepath.Dir(path), path, !readOnly); err != nil {
		return nil, err
	}
	if readOnly {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, &hintError{fmt.Sprintf("no store at %s yet: run `localca init` or `localca issue NAME`", path), ErrNoStoreYet}
		}
	}
	o := OpenOptions{ReadOnly: readOnly, OnWait: h.OnWait}
	if w := h.getenv("LOCALCA_LOCK_WAIT"); w != "" {
		if o.Wait, err = time.ParseDuration(w); err != nil || o.Wait <= 0 {
			return nil, &hintError{fmt.Sprintf("LOCALCA_LOCK_WAIT=%q: want a duration such as 30s", w), ErrBadEnv}
		}
	}
	o.Store = store.Options{BeforeCommit: h.BeforeCommit, Migrate: store.MigrateSmall, Notice: h.Notice}
	return StoreOpener(path, o), nil
}

// OpenStore opens the store (see Opener); the caller closes it.
func (h Home) OpenStore(readOnly bool) (*Store, error) {
	open, err := h.Opener(readOnly)
	if err != nil {
		return nil, err
	}
	return open()
}

// check refuses, as OpenSSH's StrictModes, a home folder or a file in it
// that another user owns or may write, or whose folders above they may
// write; with create it makes the home (0700). It runs before anything
// there is read or created.
func (h Home) check(dir, file string, create bool) error {
	chk, err := h.checker()
	if err != nil {
		return err
	}
	if create {
		err = chk.MakeHome(dir)
	} else {
		err = chk.Dir(dir)
	}
	if err != nil {
		return err
	}
	return chk.File(file)
}

// checker checks for this process's user, or under sudo for the user who
// ran sudo (as the trust stores find them: SUDO_USER, else SUDO_UID).
func (h Home) checker() (safehome.Checker, error) {
	inv, err := truststore.SudoUser(h.getenv, h.LookupUser)
	if err != nil {
		return safehome.Checker{}, err
	}
	if inv != nil {
		return safehome.Checker{UID: inv.UID}, nil
	}
	return safehome.ForProcess(h.getenv)
}

// hintError is an error whose message says what to do, matching its
// sentinel with errors.Is.
type hintError struct {
	msg string
	err error
}

func (e *hintError) Error() string { return e.msg }
func (e *hintError) Unwrap() error { return e.err }
