//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// sudoInvoker is the user who ran localca through sudo: nil unless this
// process is root and SUDO_USER names someone else.
func (e *env) sudoInvoker() (*invoker, error) {
	name := e.getenv("SUDO_USER")
	if name == "" || name == "root" || os.Geteuid() != 0 {
		return nil, nil
	}
	lookup := e.lookupUser
	if lookup == nil {
		lookup = user.Lookup
	}
	u, err := lookup(name)
	if err != nil {
		return nil, fmt.Errorf("finding SUDO_USER %q: %w", name, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("SUDO_USER %q: uid %q: %w", name, u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("SUDO_USER %q: gid %q: %w", name, u.Gid, err)
	}
	return &invoker{name: name, home: u.HomeDir, uid: uint32(uid), gid: uint32(gid)}, nil
}

// apply makes cmd run as the invoker; a nil invoker leaves it as it is.
func (inv *invoker) apply(cmd *exec.Cmd) {
	if inv == nil {
		return
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: inv.uid, Gid: inv.gid}}
}
