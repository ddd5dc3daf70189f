// Package passprompt asks the person at a terminal for a password: not
// echoed, and asked twice where a typing mistake would lock a new key away
// for good. Where a password comes from when there is no terminal (a file,
// an environment variable, never argv) is the caller's choice.
package passprompt

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// ReadFunc reads one line typed at the terminal without echoing it.
type ReadFunc func() ([]byte, error)

// Terminal reads from in when in is a terminal, and is nil otherwise: a
// script's stdin is not asked for a password it cannot type.
func Terminal(in io.Reader) ReadFunc {
	tty, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(tty.Fd())) {
		return nil
	}
	return func() ([]byte, error) { return term.ReadPassword(int(tty.Fd())) }
}

// Ask writes "what: " to out and reads a password with read; with confirm
// it asks "again: " and returns ErrMismatch when the two differ. The
// newline the unechoed input swallowed is written to out after each read.
func Ask(read ReadFunc, out io.Writer, what string, confirm bool) ([]byte, error) {
	pw, err := ask(read, out, what+": ")
	if err != nil || !confirm {
		return pw, err
	}
	again, err := ask(read, out, "again: ")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(pw, again) {
		return nil, ErrMismatch
	}
	return pw, nil
}

func ask(read ReadFunc, out io.Writer, prompt string) ([]byte, error) {
	fmt.Fprint(out, prompt)
	pw, err := read()
	fmt.Fprintln(out)
	if err != nil {
		return nil, fmt.Errorf("reading the password: %w", err)
	}
	return pw, nil
}
