package main

import (
	"encoding/json"
	"fmt"
	"os"

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
	b, err := readInput(path, maxInputFile)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", what, err)
	}
	return b, nil
}
