//go:build !unix

package truststore

import (
	"os/exec"
	"os/user"
)

// SudoUser: there is no sudo here.
func SudoUser(func(string) string, func(string) (*user.User, error)) (*User, error) { return nil, nil }

func (inv *User) apply(*exec.Cmd) {}

// Owns: there is no sudo here.
func (inv *User) Owns(string, bool) error { return nil }
