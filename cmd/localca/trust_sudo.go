package main

import (
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"
)

// invoker is the user behind `sudo localca trust install`. sudo makes HOME
// root's, so without this the command would look for a CA in root's data
// folder and trust it in root's NSS databases, which no browser of the user
// reads. Under sudo, trust works with the invoker's CA and NSS databases, and
// runs certutil as the invoker, so that the databases stay theirs; only the
// system and Java stores use root's rights.
type invoker struct {
	name, home string
	uid, gid   uint32
}

// forInvoker returns e with the invoker's data folder as the default home,
// unless --home, LOCALCA_HOME or XDG_DATA_HOME says where the store is.
func (e *env) forInvoker(c *cli.Context, inv *invoker) (*env, string, error) {
	if h, err := e.home(c); err == nil && (homeFlagValue(c) != "" || e.getenv("LOCALCA_HOME") != "" || e.getenv("XDG_DATA_HOME") != "") {
		return e, h, nil
	}
	if inv.home == "" {
		return nil, "", fmt.Errorf("the home folder of SUDO_USER %q is unknown (not in /etc/passwd): give --home", inv.name)
	}
	dir := filepath.Join(inv.home, ".local", "share", "localca")
	e2 := *e
	e2.getenv = func(k string) string {
		if k == "LOCALCA_HOME" {
			return dir
		}
		return e.getenv(k)
	}
	return &e2, dir, nil
}
