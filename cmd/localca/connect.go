package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/localca/localca/ca"
	"github.com/urfave/cli/v2"
)

// readCA is the CA of this command's home for commands that only read it:
// read under a shared lock, which is released before anything is printed.
func (e *env) readCA(c *cli.Context) (*ca.CA, error) {
	pol, _, err := e.policy(c)
	if err != nil {
		return nil, err
	}
	open, err := e.opener(c, true)
	if err != nil {
		return nil, err
	}
	authority, err := ca.Connect(open, e.caOptions(c, pol))
	if ca.IsNoCA(err) {
		return nil, fmt.Errorf("%w: run `localca init` first (or `localca issue NAME`, which makes one)", err)
	}
	return authority, err
}

// connectCA is the CA of this command's home, read in one short session:
// it opens the store again only to commit (ca.Connect), so that a password
// prompt, a key decryption or a signature never holds other commands up.
// With initIfNone it makes an unencrypted CA when there is none yet, as
// mkcert does on first use, and says so.
func (e *env) connectCA(c *cli.Context, initIfNone bool) (*ca.CA, error) {
	pol, _, err := e.policy(c)
	if err != nil {
		return nil, err
	}
	open, err := e.opener(c, false)
	if err != nil {
		return nil, err
	}
	opts := e.caOptions(c, pol)
	if !initIfNone {
		authority, err := ca.Connect(open, opts)
		if ca.IsNoCA(err) {
			return nil, fmt.Errorf("%w: run `localca init` first (or `localca issue NAME`, which makes one)", err)
		}
		return authority, err
	}
	authority, created, err := ca.ConnectOrInit(open, opts)
	if err != nil {
		return nil, fmt.Errorf("opening or creating the CA: %w", err)
	}
	if created {
		home, _ := e.home(c)
		e.note("localca: created a new CA in %s (keys not encrypted; `localca init --force` makes one with a password)", filepath.Join(home, "localca.db"))
		e.note("localca: root %q, trust it with: localca ca root > root.pem", authority.Root().Subject.CommonName)
	}
	return authority, nil
}

// filesError says what to do when the files of a stored certificate could
// not be written: which commands write them again from the store.
func filesError(err error) error {
	var fe *ca.FilesError
	if !errors.As(err, &fe) {
		return err
	}
	serial := ca.FormatSerial(fe.Serial)
	return fmt.Errorf("%w\n  write them again with:\n    localca export %s --chain --out %s\n    localca export %s --key --out %s",
		err, serial, shellQuote(fe.Files.Cert), serial, shellQuote(fe.Files.Key))
}

// shellQuote quotes a path for a command line the user copies into a POSIX
// shell: as it is when it is plain, in single quotes otherwise, and as a Go
// string (escaped) when it holds what a terminal would interpret.
func shellQuote(s string) string {
	plain := s != ""
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || !unicode.IsPrint(r):
			return strconv.Quote(s)
		case !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@+,", r)):
			plain = false
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
