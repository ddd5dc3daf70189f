package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"unicode"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/atomicfile"
	"github.com/localca/localca/internal/logsafe"
)

// writeOut writes data to path, or to stdout when path is "" or "-". Files
// are written atomically; keys get mode 0600, the rest 0644.
func (e *env) writeOut(path string, data []byte, secret bool) error {
	if path == "" || path == "-" {
		_, err := e.stdout.Write(data)
		return err
	}
	perm := os.FileMode(0o644)
	if secret {
		perm = 0o600
	}
	return atomicfile.WriteFile(path, data, perm)
}

func (e *env) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// note prints a line for the human at the terminal, on stderr so that stdout
// stays clean for the PEM or JSON a script reads.
// Servers (serve, demos, dns serve, up) note what outsiders sent, so the
// line is escaped: a name or error cannot start a forged line of its own.
func (e *env) note(format string, args ...any) {
	fmt.Fprintln(e.stderr, logsafe.String(fmt.Sprintf(format, args...)))
}

func readFile(what, path string) ([]byte, error) {
	if path == "" {
		return nil, usagef("--%s is required", what)
	}
	b, err := ca.ReadInput(path, ca.MaxInputFile)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", what, err)
	}
	return b, nil
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
