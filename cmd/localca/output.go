package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/localca/localca/internal/atomicfile"
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
func (e *env) note(format string, args ...any) {
	fmt.Fprintf(e.stderr, format+"\n", args...)
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
