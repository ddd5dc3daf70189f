package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/testkit"
)

// TestMain lets the test binary act as the localca binary: a test that
// needs a second process (the store lock) re-executes itself with
// LOCALCA_TEST_MAIN=1, which runs main's body instead of the tests. The
// crash tests run it with LOCALCA_TEST_CRASH_LOOP instead (crash_test.go).
func TestMain(m *testing.M) {
	if mode := os.Getenv(crashLoopEnv); mode != "" {
		os.Exit(crashLoop(mode, os.Args[1:]))
	}
	if os.Getenv("LOCALCA_TEST_MAIN") == "1" {
		os.Exit(run(append([]string{"localca"}, os.Args[1:]...), os.Stdin, os.Stdout, os.Stderr))
	}
	// In-process runs read this process's environment: keep the
	// developer's own LOCALCA_* settings out of them, as e2eEnv keeps
	// them out of subprocesses.
	testkit.StripEnv("LOCALCA_CRASH_SEED")
	os.Exit(m.Run())
}

// home is a localca home folder in a temporary directory, and a folder
// beside it for the files commands write.
type home struct {
	t        *testing.T
	dir, out string
}

func newHome(t *testing.T) *home {
	t.Helper()
	return &home{t: t, dir: filepath.Join(t.TempDir(), "home"), out: t.TempDir()}
}

// cliResult is one run of the CLI.
type cliResult struct {
	code           int
	stdout, stderr string
}

func (r cliResult) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// cliMu serialises in-process runs: urfave/cli v2 writes package variables
// (its help flag and help command) on every App.Run, so two runs at once
// race even on separate Apps (go test -race finds it). Parallel tests stay
// parallel in everything else; long-running commands run as subprocesses.
var cliMu sync.Mutex

// run runs localca --home DIR ARGS in this process.
func (h *home) run(args ...string) cliResult {
	h.t.Helper()
	cliMu.Lock()
	defer cliMu.Unlock()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"localca", "--home", h.dir}, args...), strings.NewReader(""), &stdout, &stderr)
	return cliResult{code, stdout.String(), stderr.String()}
}

// ok runs a command that must succeed and returns its stdout.
func (h *home) ok(args ...string) string {
	h.t.Helper()
	r := h.run(args...)
	if r.code != 0 {
		h.t.Fatalf("localca %q: %s", args, r)
	}
	return r.stdout
}

// fail runs a command that must exit with code and say want (on stderr).
func (h *home) fail(code int, want string, args ...string) cliResult {
	h.t.Helper()
	r := h.run(args...)
	if r.code != code || !strings.Contains(strings.ToLower(r.stderr), strings.ToLower(want)) {
		h.t.Errorf("localca %q: want exit %d and %q on stderr, got %s", args, code, want, r)
	}
	return r
}

// path is a file in the output folder.
func (h *home) path(name string) string { return filepath.Join(h.out, name) }

// write puts data into the output folder and returns its path.
func (h *home) write(name string, data []byte) string {
	h.t.Helper()
	p := h.path(name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		h.t.Fatal(err)
	}
	return p
}

func (h *home) read(name string) []byte {
	h.t.Helper()
	b, err := os.ReadFile(h.path(name))
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// initCA makes an unencrypted CA and writes root.pem and intermediate.pem.
func (h *home) initCA(args ...string) {
	h.t.Helper()
	h.ok(append([]string{"init", "--no-password"}, args...)...)
	h.ok("ca", "root", "--out", h.path("root.pem"))
	h.ok("ca", "intermediate", "--out", h.path("intermediate.pem"))
}

// certInfo is what show, list --json and ca info print about a certificate.
type certInfo = ca.CertInfo

// listJSON is `list --json`, parsed.
func (h *home) listJSON(args ...string) []certInfo {
	h.t.Helper()
	var out []certInfo
	if err := json.Unmarshal([]byte(h.ok(append([]string{"list", "--json"}, args...)...)), &out); err != nil {
		h.t.Fatalf("list --json does not parse: %v", err)
	}
	return out
}

// snapshot is every key and value of every bucket of the store, in order:
// what "the store is unchanged" compares. It reads the bbolt file itself,
// so it sees what a bug in the store's own listing would hide. (The file's
// bytes are not compared: a read-write open commits an empty transaction,
// which moves bbolt's meta page without changing any record.)
func (h *home) snapshot() string {
	h.t.Helper()
	path := filepath.Join(h.dir, "localca.db")
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return "(no store)"
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5e9})
	if err != nil {
		h.t.Fatalf("snapshot: %v", err)
	}
	defer db.Close()
	var lines []string
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			return b.ForEach(func(k, v []byte) error {
				lines = append(lines, fmt.Sprintf("%s %x %x", name, k, v))
				return nil
			})
		})
	})
	if err != nil {
		h.t.Fatalf("snapshot: %v", err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// unchanged runs a command that must fail with code and say want, and
// checks that the store holds exactly what it held before.
func (h *home) unchanged(code int, want string, args ...string) {
	h.t.Helper()
	before := h.snapshot()
	h.fail(code, want, args...)
	if after := h.snapshot(); after != before {
		h.t.Errorf("localca %q changed the store", args)
	}
}

// certs reads every certificate of a PEM file, in order.
func certs(t *testing.T, data []byte) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		if b.Type != "CERTIFICATE" {
			t.Fatalf("PEM block %q, want CERTIFICATE", b.Type)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
}

// verify runs openssl verify of leaf against root.pem with the intermediate
// untrusted, for the given purpose ("" for any).
func (h *home) verify(leaf, purpose string) {
	h.t.Helper()
	args := []string{"verify", "-x509_strict", "-CAfile", h.path("root.pem"), "-untrusted", h.path("intermediate.pem")}
	if purpose != "" {
		args = append(args, "-purpose", purpose)
	}
	if out := testkit.MustRun(h.t, "openssl", append(args, leaf)...); !strings.Contains(out, ": OK") {
		h.t.Errorf("openssl verify %s: %s", leaf, out)
	}
}
