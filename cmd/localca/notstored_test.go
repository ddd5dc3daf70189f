package main

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

// runFailingCommit runs localca --home DIR ARGS in this process with a store
// whose every commit fails (store.Options.BeforeCommit), as a full disk
// would make it.
func (h *home) runFailingCommit(args ...string) cliResult {
	h.t.Helper()
	cliMu.Lock()
	defer cliMu.Unlock()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: os.Getenv,
		beforeCommit: func() error {
			return errors.New("injected: no space left on device")
		}}
	code := e.run(append([]string{"localca", "--home", h.dir}, args...))
	return cliResult{code, stdout.String(), stderr.String()}
}

// TestIssueCommitFails: when the store's commit fails after the certificate
// is signed, `localca issue` and `localca sign` exit 1 saying the
// certificate was signed but not stored, write no file (not even a key, or
// a temporary file) and leave the store as it was.
func TestIssueCommitFails(t *testing.T) {
	h := newHome(t)
	h.initCA()
	h.ok("key", "create", "--out", h.path("k.pem"))
	h.ok("csr", "create", "--key", h.path("k.pem"), "--cn", "csr.test", "--san", "csr.test", "--out", h.path("k.csr"))
	tests := []struct {
		name string
		args func(dir string) []string
	}{
		{"issue", func(dir string) []string { return []string{"issue", "--out-dir", dir, "full.test"} }},
		{"issue --json --p12", func(dir string) []string { return []string{"issue", "--json", "--p12", "--out-dir", dir, "full.test"} }},
		{"sign --out", func(dir string) []string {
			return []string{"sign", "--csr", h.path("k.csr"), "--out", dir + "/csr.pem"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := h.in(t)
			dir := t.TempDir()
			before := h.snapshot()
			r := h.runFailingCommit(tt.args(dir)...)
			if r.code != 1 || !strings.Contains(r.stderr, "signed but not stored") || !strings.Contains(r.stderr, "no space left") {
				t.Errorf("want exit 1 saying the certificate was signed but not stored, and why; got %s", r)
			}
			if r.stdout != "" {
				t.Errorf("a failed issuance printed %q", r.stdout)
			}
			if files, err := os.ReadDir(dir); err != nil || len(files) != 0 {
				t.Errorf("a failed issuance left files in the output folder: %v %v", files, err)
			}
			if h.snapshot() != before {
				t.Errorf("a failed issuance changed the store")
			}
			// The same command with a working store succeeds: nothing was
			// left half done.
			h.ok(tt.args(dir)...)
		})
	}
}
