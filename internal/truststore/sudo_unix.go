//go:build unix

package truststore

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// SudoUser is the user who ran this program through sudo: nil unless this
// process is root and SUDO_USER names someone else. getenv reads the
// environment (os.Getenv); lookup finds a user by name (user.Lookup when
// nil).
func SudoUser(getenv func(string) string, lookup func(name string) (*user.User, error)) (*User, error) {
	name := getenv("SUDO_USER")
	if name == "" || name == "root" || os.Geteuid() != 0 {
		return nil, nil
	}
	if lookup == nil {
		lookup = user.Lookup
	}
	u, err := lookup(name)
	if err != nil {
		// A user of a directory service (LDAP, SSSD) is not in /etc/passwd,
		// all that the static build reads: sudo's own SUDO_UID and SUDO_GID
		// still say who it is; its home folder stays unknown.
		u = &user.User{Username: name, Uid: getenv("SUDO_UID"), Gid: getenv("SUDO_GID")}
		if u.Uid == "" || u.Gid == "" {
			return nil, fmt.Errorf("finding SUDO_USER %q: %w", name, err)
		}
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("SUDO_USER %q: uid %q: %w", name, u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("SUDO_USER %q: gid %q: %w", name, u.Gid, err)
	}
	return &User{Name: name, Home: u.HomeDir, UID: uint32(uid), GID: uint32(gid)}, nil
}

// apply makes cmd run as the invoker; a nil invoker leaves it as it is.
func (inv *User) apply(cmd *exec.Cmd) {
	if inv == nil {
		return
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: inv.UID, Gid: inv.GID}}
}

// Owns checks, without following a symbolic link, that path is a regular
// file (a folder when dir) of the invoker's, which its owner may write.
// Under sudo this process is root, which may write anything and follows
// the user's links wherever they point: the rights that matter are the
// invoker's, whose certutil does the writing, and root reads only files
// that the invoker could have read.
func (inv *User) Owns(path string, dir bool) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	kind := map[bool]string{true: "folder", false: "regular file"}[dir]
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case dir != fi.IsDir() || (!dir && !fi.Mode().IsRegular()):
		return fmt.Errorf("%s is not a %s (a link or a special file): refused under sudo", path, kind)
	case !ok || st.Uid != inv.UID:
		return fmt.Errorf("%s is not %s's own (its owner is uid %d): refused under sudo (chown it to %s)", path, inv.Name, st.Uid, inv.Name)
	case fi.Mode().Perm()&0o200 == 0:
		return fmt.Errorf("%s is not writable by its owner %s", path, inv.Name)
	}
	return nil
}
