package ca

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/localca/localca/internal/truststore"
)

// ForUser is h as seen by a command that root runs on a user's behalf
// (sudo, which makes HOME root's): the default folder is the data folder
// under userHome, the user's home, unless Dir, LOCALCA_HOME or
// XDG_DATA_HOME says where the store is. An unknown userHome ("") is an
// error then, naming the user.
func (h Home) ForUser(name, userHome string) (Home, error) {
	if h.Dir != "" || h.getenv("LOCALCA_HOME") != "" || h.getenv("XDG_DATA_HOME") != "" {
		return h, nil
	}
	if userHome == "" {
		return h, fmt.Errorf("the home folder of SUDO_USER %q is unknown (not in /etc/passwd): give --home", name)
	}
	h.Dir = filepath.Join(userHome, ".local", "share", "localca")
	return h, nil
}

// ForSudo is h for a command that root runs through sudo on inv's behalf
// (ForUser), and its folder. Root reads nothing that inv could not: the
// store file, when the folder has one, must be inv's own regular file
// (truststore.User.Owns). dir is known also when that check fails, so
// that the caller can say whose CA it looked at.
func (h Home) ForSudo(inv *truststore.User) (_ Home, dir string, err error) {
	if h, err = h.ForUser(inv.Name, inv.Home); err != nil {
		return h, "", err
	}
	if dir, err = h.Path(); err != nil {
		return h, "", err
	}
	if err := inv.Owns(filepath.Join(dir, storeFile), false); err != nil && !errors.Is(err, os.ErrNotExist) {
		return h, dir, err
	}
	return h, dir, nil
}

// Root reads the CA's root, and nothing else: no policy, no key, no
// password (ReadRoot). With no CA yet, the error says to make one.
func (h Home) Root() (*x509.Certificate, error) {
	open, err := h.Opener(true)
	if err != nil {
		return nil, err
	}
	root, err := ReadRoot(open)
	if IsNoCA(err) {
		return nil, fmt.Errorf("%w: run `localca init` first", err)
	}
	return root, err
}
