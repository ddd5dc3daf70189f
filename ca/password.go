package ca

import (
	"fmt"
	"io"

	"github.com/localca/localca/internal/passprompt"
)

// PasswordSource is where a command reads a password: File, else the file
// that $LOCALCA_PASSWORD_FILE names, else a prompt on the terminal In (the
// prompt written to Out). Never argv, where other users of the machine
// could read it. Getenv is os.Getenv or a test's stand-in.
type PasswordSource struct {
	File   string
	Getenv func(string) string
	In     io.Reader
	Out    io.Writer
}

// Read reads the password for what ("CA key password"), typed twice when
// confirm. Without a file and without a terminal it is ErrPasswordRequired,
// naming the ways to give one; an empty typed password is ErrEmptyPassword.
func (s PasswordSource) Read(what string, confirm bool) ([]byte, error) {
	if s.File != "" {
		return ReadPasswordFile(s.File)
	}
	if f := s.Getenv("LOCALCA_PASSWORD_FILE"); f != "" {
		return ReadPasswordFile(f)
	}
	read := passprompt.Terminal(s.In)
	if read == nil {
		return nil, fmt.Errorf("%w: %s (give --password-file, set LOCALCA_PASSWORD_FILE, or run on a terminal)", ErrPasswordRequired, what)
	}
	pw, err := passprompt.Ask(read, s.Out, what, confirm)
	if err != nil {
		return nil, err
	}
	if len(pw) == 0 {
		return nil, ErrEmptyPassword
	}
	return pw, nil
}
