package ca

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
)

// MaxInputFile is the most localca reads of a file a user points it at: a
// CSR, a key, a certificate, a CA bundle, a services file. The largest
// honest one is a certificate chain or a 16384-bit RSA key, a few tens of
// kilobytes; a CSR at the policy's 100-name limit is under 10 KB. A MiB
// leaves room for long chains and bundles and keeps a hostile or mistaken
// file (a 10 MB "CSR", /dev/zero) from being held in memory: the file is
// read through an io.LimitReader and never whole.
const MaxInputFile = 1 << 20

// MaxPasswordFile bounds a password file the same way; only its first
// line is the password.
const MaxPasswordFile = 64 << 10

// ReadInput reads a file of at most limit bytes; a larger one fails with
// ErrInputTooLarge. The error names the file and the limit.
func ReadInput(path string, limit int64) ([]byte, error) {
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
		return nil, fmt.Errorf("%s: %w: over %s, the limit for the files localca reads", path, ErrInputTooLarge, byteSize(limit))
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

// ReadPasswordFile reads a password from the first line of a file (at
// most MaxPasswordFile bytes are read): passwords come from files, the
// environment or a prompt, never from argv, where other users of the
// machine could read them.
func ReadPasswordFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("password file: %w", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, MaxPasswordFile)).ReadString('\n')
	if err != nil && line == "" {
		return nil, fmt.Errorf("password file %s is empty", path)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return nil, fmt.Errorf("password file %s: the first line is empty", path)
	}
	return []byte(pw), nil
}

// refID is ref read as a SHA-256 in hex (a key fingerprint or a CSR id,
// colons allowed) when no file has that name: a reference is a file first.
func refID(ref string) ([]byte, bool) {
	if _, err := os.Stat(ref); err == nil {
		return nil, false
	}
	b, err := hex.DecodeString(strings.ReplaceAll(ref, ":", ""))
	return b, err == nil && len(b) == 32
}
