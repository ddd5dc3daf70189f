package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// maxInputFile is the most the CLI reads of a file the user points it at: a
// CSR, a key, a certificate, a CA bundle, a services file. The largest
// honest one is a certificate chain or a 16384-bit RSA key, a few tens of
// kilobytes; a CSR at the policy's 100-name limit is under 10 KB. A MiB
// leaves room for long chains and bundles and keeps a hostile or mistaken
// file (a 10 MB "CSR", /dev/zero) from being held in memory: the file is
// read through an io.LimitReader and never whole.
const maxInputFile = 1 << 20

// maxPasswordFile bounds the password file the same way; only its first
// line is the password.
const maxPasswordFile = 64 << 10

// errInputTooLarge is a file over maxInputFile.
var errInputTooLarge = errors.New("file too large")

// readInput reads a file of at most limit bytes. The error names the file
// and the limit.
func readInput(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *fs.PathError names the file
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: over %s, the limit for the files localca reads", path, errInputTooLarge, byteSize(limit))
	}
	return data, nil
}

// byteSize writes a limit the way a user reads it: 1 MiB, 64 KiB.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
