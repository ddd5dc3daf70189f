package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// TestIssueChecksFilesFirst: what keeps issue from writing its files (a
// missing folder, a file name longer than 255 bytes) is found before the
// certificate is issued: exit 1 naming it, and the store unchanged. A name
// of 240 characters, which fits, is issued and written.
func TestIssueChecksFilesFirst(t *testing.T) {
	h := newHome(t)
	h.initCA()
	label := func(n int, c string) string { return strings.Repeat(c, n) }
	long := label(63, "a") + "." + label(63, "b") + "." + label(63, "c") + "." + label(53, "d") + ".test" // 250 characters
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"missing --out-dir", []string{"issue", "--out-dir", filepath.Join(h.out, "nope"), "a.test"}, "does not exist"},
		{"a 250-character name", []string{"issue", "--out-dir", h.out, long}, "more than the 255"},
		{"--out-dir is a file", []string{"issue", "--out-dir", h.write("plain", []byte("x")), "b.test"}, "is not a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := h.in(t)
			before := h.snapshot()
			h.fail(1, tt.want, tt.args...)
			if after := h.snapshot(); before != after {
				t.Errorf("the store changed although nothing could be written")
			}
		})
	}
	name := label(63, "e") + "." + label(63, "f") + "." + label(63, "g") + "." + label(43, "h") + ".test" // 240
	iss := h.issue(h.out, name)
	testkit.MustRun(t, "openssl", "verify", "-CAfile", h.path("root.pem"), "-untrusted", h.path("intermediate.pem"), iss.cert)
}

// TestIssueWriteFailsAfterCommit: when writing the files fails after the
// certificate is stored (here its folder vanishes during the commit), the
// error names the serial and the commands that write the files again; those
// commands (export --chain, export --key) then write files that openssl
// verifies and pairs.
func TestIssueWriteFailsAfterCommit(t *testing.T) {
	h := newHome(t)
	h.initCA()
	dir := filepath.Join(t.TempDir(), "vanishing")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cliMu.Lock()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: os.Getenv,
		beforeCommit: func() error { return os.RemoveAll(dir) }}
	code := e.run([]string{"localca", "--home", h.dir, "issue", "--out-dir", dir, "gone.test"})
	cliMu.Unlock()
	msg := stderr.String()
	m := regexp.MustCompile(`localca export ([0-9A-F]+) --chain --out (\S+)\n\s+localca export ([0-9A-F]+) --key --out (\S+)`).FindStringSubmatch(msg)
	if code != 1 || !strings.Contains(msg, "is issued and stored") || m == nil || m[1] != m[3] || !strings.Contains(msg, "certificate "+m[1]) {
		t.Fatalf("want exit 1 naming the serial and the export commands, got exit %d:\n%s", code, msg)
	}
	if list := h.listJSON("--name", "gone.test"); len(list) != 1 || list[0].Serial != m[1] {
		t.Fatalf("the store lists %+v, want the one certificate %s", list, m[1])
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h.ok("export", m[1], "--chain", "--out", m[2])
	h.ok("export", m[1], "--key", "--out", m[4])
	if fi, err := os.Stat(m[4]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the exported key: %v, %v; want mode 0600", fi, err)
	}
	testkit.MustRun(t, "openssl", "verify", "-CAfile", h.path("root.pem"), "-untrusted", m[2], m[2])
	certPub := testkit.MustRun(t, "openssl", "x509", "-in", m[2], "-noout", "-pubkey")
	keyPub := testkit.MustRun(t, "openssl", "pkey", "-in", m[4], "-pubout")
	if certPub != keyPub {
		t.Fatalf("the exported key is not the certificate's:\n%s\n%s", certPub, keyPub)
	}
	// A certificate signed from openssl's CSR has no key in the store.
	testkit.MustRun(t, "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", h.path("k.pem"))
	testkit.MustRun(t, "openssl", "req", "-new", "-key", h.path("k.pem"), "-subj", "/CN=csr.test", "-addext", "subjectAltName=DNS:csr.test", "-out", h.path("k.csr"))
	h.ok("sign", "--csr", h.path("k.csr"), "--out", h.path("csr.pem"))
	serial := strings.TrimPrefix(strings.TrimSpace(testkit.MustRun(t, "openssl", "x509", "-in", h.path("csr.pem"), "-noout", "-serial")), "serial=")
	h.fail(1, "holds no private key", "export", serial, "--key")
}
