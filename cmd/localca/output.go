package main

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

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

// report is an answer a command prints: a value whose JSON scripts read
// (--json) and whose text people read (ca.CertInfo, ca.IssueReport, ...).
type report interface{ WriteText(io.Writer) error }

// print prints r as JSON with --json, else as its text.
func (e *env) print(c *cli.Context, r report) error {
	if c.Bool("json") {
		return e.printJSON(r)
	}
	return r.WriteText(e.stdout)
}

// printLine is print with the JSON on one line, as issue prints it.
func (e *env) printLine(c *cli.Context, r report) error {
	if c.Bool("json") {
		return json.NewEncoder(e.stdout).Encode(r)
	}
	return r.WriteText(e.stdout)
}

// printNote is print for a report whose text is a note for the person at
// the terminal (key create, revoke, ...): on stderr, so that stdout carries
// only the PEM a script reads. As note, it does not fail on stderr.
func (e *env) printNote(c *cli.Context, r report) error {
	if c.Bool("json") {
		return e.printJSON(r)
	}
	r.WriteText(e.stderr)
	return nil
}

// printNoted is print for a report that also has a note for the person
// at the terminal (a token, an EAB key): the note on stderr, after the
// text, so that stdout carries only what a script reads.
func (e *env) printNoted(c *cli.Context, r interface {
	report
	WriteNote(io.Writer) error
}) error {
	if err := e.print(c, r); err != nil || c.Bool("json") {
		return err
	}
	r.WriteNote(e.stderr) // as note: no failure on stderr
	return nil
}

// printAs is print for a value that a function writes as text.
func printAs[T any](e *env, c *cli.Context, v T, text func(io.Writer, T) error) error {
	if c.Bool("json") {
		return e.printJSON(v)
	}
	return text(e.stdout, v)
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

// readCSR reads and parses the CSR file --csr names; an error names the
// file.
func readCSR(c *cli.Context) ([]byte, *x509.CertificateRequest, error) {
	data, err := readFile("csr", c.String("csr"))
	if err != nil {
		return nil, nil, err
	}
	csr, err := ca.ParseCSR(data)
	if err != nil {
		return nil, nil, fmt.Errorf("--csr %s: %w", c.String("csr"), err)
	}
	return data, csr, nil
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
		err, serial, logsafe.ShellWord(fe.Files.Cert), serial, logsafe.ShellWord(fe.Files.Key))
}
