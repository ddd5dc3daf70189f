package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
	"github.com/localca/localca/store"
)

// TestListShowExport issues a few certificates and reads them back through
// list (with filters), show (by serial and by file), export (PEM, DER,
// chain) and ca root|intermediate|info; every --json output parses.
func TestListShowExport(t *testing.T) {
	h := newHome(t)
	h.initCA()
	h.ok("issue", "--out-dir", h.out, "a.test", "127.0.0.1")
	h.ok("issue", "--out-dir", h.out, "--client", "b.test")
	h.ok("issue", "--out-dir", h.out, "--profile", "peer", "c.test")
	all := h.listJSON()
	if len(all) != 3 {
		t.Fatalf("list --json: %d certificates, want 3", len(all))
	}
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"--name", "a.test"}, 1},
		{[]string{"--name", "127.0.0.1"}, 1},
		{[]string{"--name", "nobody.test"}, 0},
		{[]string{"--status", "valid"}, 3},
		{[]string{"--status", "revoked"}, 0},
		{[]string{"--status", "expired"}, 0},
		{[]string{"--expiring", "48h"}, 1}, // the peer certificate lives one day
		{[]string{"--limit", "2"}, 2},
	}
	for _, tt := range tests {
		if got := h.listJSON(tt.args...); len(got) != tt.want {
			t.Errorf("list %q: %d certificates, want %d", tt.args, len(got), tt.want)
		}
	}
	if text := h.ok("list"); !strings.Contains(text, "SERIAL") || !strings.Contains(text, "c.test") {
		t.Errorf("list:\n%s", text)
	}
	h.fail(2, "--status", "list", "--status", "bogus")

	a := h.listJSON("--name", "a.test")[0]
	var byFile, bySerial certInfo
	if err := json.Unmarshal([]byte(h.ok("show", "--json", h.path("a.test.pem"))), &byFile); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(h.ok("show", "--json", a.Serial)), &bySerial); err != nil {
		t.Fatal(err)
	}
	if byFile.SHA256 != a.SHA256 || bySerial.SHA256 != a.SHA256 || !byFile.InStore || bySerial.Profile != "server" {
		t.Errorf("show by file %+v and by serial %+v differ from list %+v", byFile, bySerial, a)
	}
	if text := h.ok("show", a.Serial); !strings.Contains(text, "a.test") || !strings.Contains(text, "Cert SHA-256") {
		t.Errorf("show:\n%s", text)
	}
	h.fail(1, "not found", "show", "00ff")
	h.fail(2, "neither a file nor a hex serial", "show", "zz-not-hex")

	pemOut := h.ok("export", a.Serial)
	der := h.ok("export", "--der", a.Serial)
	chain := certs(t, []byte(h.ok("export", "--chain", a.Serial)))
	leaf := certs(t, []byte(pemOut))
	if len(leaf) != 1 || !bytes.Equal(leaf[0].Raw, []byte(der)) || len(chain) != 2 || !chain[0].Equal(leaf[0]) {
		t.Fatalf("export: %d PEM certificates, DER equal %v, chain of %d", len(leaf), bytes.Equal(leaf[0].Raw, []byte(der)), len(chain))
	}
	if _, err := x509.ParseCertificate([]byte(der)); err != nil {
		t.Errorf("export --der: %v", err)
	}
	h.ok("export", "--chain", a.Serial, "--out", h.path("exported.pem"))
	h.verify(h.path("exported.pem"), "sslserver")
	h.fail(2, "cannot carry a chain", "export", "--der", "--chain", a.Serial)

	root, inter := certs(t, []byte(h.ok("ca", "root"))), certs(t, []byte(h.ok("ca", "intermediate")))
	if len(root) != 1 || len(inter) != 1 || inter[0].CheckSignatureFrom(root[0]) != nil || !chain[1].Equal(inter[0]) {
		t.Errorf("ca root / ca intermediate do not form the chain")
	}
	var info map[string]json.RawMessage
	if err := json.Unmarshal([]byte(h.ok("ca", "info", "--json")), &info); err != nil || info["root"] == nil || info["intermediate"] == nil {
		t.Errorf("ca info --json = %v (%v)", info, err)
	}
}

// TestBackup: backup FILE writes a copy that opens as a store and lists the
// same certificates; it refuses to overwrite a file.
func TestBackup(t *testing.T) {
	h := newHome(t)
	h.initCA()
	h.ok("issue", "--out-dir", h.out, "a.test")
	h.ok("issue", "--out-dir", h.out, "b.test")
	copyPath := h.path("backup.db")
	h.ok("backup", copyPath)
	if fi, err := os.Stat(copyPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", err, fi)
	}
	st, err := store.Open(copyPath, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	got, err := st.ListCerts(store.Filter{})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := h.listJSON()
	if len(got) != len(want) {
		t.Fatalf("backup lists %d certificates, the store %d", len(got), len(want))
	}
	// The copy also works as a home.
	restored := &home{t: t, dir: filepath.Join(t.TempDir(), "restored"), out: h.out}
	if err := os.MkdirAll(restored.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(copyPath, filepath.Join(restored.dir, "localca.db")); err != nil {
		t.Fatal(err)
	}
	if r := restored.listJSON(); len(r) != 2 || r[0].SHA256 != want[0].SHA256 && r[0].SHA256 != want[1].SHA256 {
		t.Errorf("restored home lists %+v", r)
	}
	h.ok("backup", copyPath)
	h.fail(1, "exists", "backup", copyPath)
	h.fail(2, "one FILE", "backup")
}

// TestReadCommandsWithoutStore: read commands on an empty home say what to
// do and create nothing.
func TestReadCommandsWithoutStore(t *testing.T) {
	h := newHome(t)
	for _, args := range [][]string{{"list"}, {"ca", "root"}, {"ca", "info"}, {"export", "00"}} {
		h.fail(1, "localca init", args...)
	}
	if _, err := os.Stat(h.dir); !os.IsNotExist(err) {
		t.Errorf("a read command created %s", h.dir)
	}
}

// TestExitCodes: 0 success, 1 a failure the user can act on, 2 a usage
// error, for commands across the CLI.
func TestExitCodes(t *testing.T) {
	h := newHome(t)
	h.initCA()
	h.write("root.pem.key", mustKeyPEM(t))
	tests := []struct {
		code int
		args []string
	}{
		{0, []string{"ca", "info"}},
		{0, []string{"--help"}},
		{0, []string{"list", "--json"}},
		{2, []string{"bogus-command"}},
		{2, []string{"ca", "bogus"}},
		{2, []string{"list", "--bogus"}},
		{2, []string{"issue"}},
		{2, []string{"key", "create", "--type", "dsa"}},
		{2, []string{"key", "create", "--type", "rsa", "--size", "1024"}},
		{2, []string{"key", "create", "--type", "ecdsa", "--curve", "P-521"}},
		{1, []string{"issue", "--out-dir", h.out, "example.com"}},
		{0, []string{}},
		{2, []string{"show", h.path("root.pem") + ".missing"}}, // neither a file nor a hex serial
		{1, []string{"show", h.path("root.pem") + ".key"}},     // a file, but not a certificate
		{1, []string{"sign", "--csr", h.path("root.pem")}},
	}
	for _, tt := range tests {
		if r := h.run(tt.args...); r.code != tt.code {
			t.Errorf("localca %q: exit %d, want %d\n%s", tt.args, r.code, tt.code, r)
		}
	}
}

// TestStoreInUse holds the store open in this process and runs localca in
// another, told by LOCALCA_LOCK_WAIT to wait 3 s: after a second it says
// that it waits and for whom (this test's pid), then fails with exit 1 and
// a message that the store is in use, naming the holder; it never hangs,
// and the store stays sound (bbolt's check) and unchanged.
func TestStoreInUse(t *testing.T) {
	h := newHome(t)
	h.initCA()
	st, err := store.Open(filepath.Join(h.dir, "localca.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pid := fmt.Sprintf("pid %d", os.Getpid())
	for _, args := range [][]string{{"list"}, {"issue", "--out-dir", h.out, "busy.test"}} {
		t.Run(args[0], func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, self, append([]string{"--home", h.dir}, args...)...)
			cmd.Env = append(e2eEnv(), "LOCALCA_LOCK_WAIT=3s")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			start := time.Now()
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("localca %q hung on a store in use", args)
			}
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() != 1 || !strings.Contains(stderr.String(), "in use") {
				t.Fatalf("localca %q on a store in use: %v, stderr %q; want exit 1 and \"in use\"", args, err, stderr.String())
			}
			// It waited for the lock (3 s, as told) rather than failing at
			// once; the bound is loose, as timing is.
			if waited := time.Since(start); waited < 2500*time.Millisecond {
				t.Errorf("localca %q gave up after %s, before its 3 s wait", args, waited)
			}
			msg := stderr.String()
			if !strings.Contains(msg, "waiting for the store") || strings.Count(msg, pid) < 2 || !strings.Contains(msg, "another localca process") || !strings.Contains(msg, "waited 3s") {
				t.Errorf("the messages do not say that it waits, for whom (%s) and that another localca holds the store: %q", pid, msg)
			}
			t.Logf("failed after %s: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(msg))
		})
	}
	if err := st.Check(); err != nil {
		t.Errorf("the store after the refused commands: %v", err)
	}
	st.Close()
	if n := len(h.listJSON("--name", "busy.test")); n != 0 {
		t.Errorf("a refused issue stored %d certificates", n)
	}
}

// TestExportKey writes the files of an issued certificate again from the
// store alone: export --key gives the key issue wrote (0600), and openssl
// finds that it is the private half of the exported certificate. A
// certificate signed from openssl's CSR has no stored key, and --key takes
// neither --der nor --chain.
func TestExportKey(t *testing.T) {
	h := newHome(t)
	h.initCA()
	h.ok("issue", "--out-dir", h.out, "k.test")
	serial := h.listJSON("--name", "k.test")[0].Serial
	h.ok("export", serial, "--key", "--out", h.path("again-key.pem"))
	h.ok("export", serial, "--out", h.path("again.pem"))
	if !bytes.Equal(h.read("again-key.pem"), h.read("k.test-key.pem")) {
		t.Error("export --key differs from the key issue wrote")
	}
	if st, err := os.Stat(h.path("again-key.pem")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("export --key file: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
	keyPub := testkit.MustRun(t, "openssl", "pkey", "-in", h.path("again-key.pem"), "-pubout")
	certPub := testkit.MustRun(t, "openssl", "x509", "-in", h.path("again.pem"), "-noout", "-pubkey")
	if keyPub != certPub || !strings.Contains(keyPub, "PUBLIC KEY") {
		t.Errorf("openssl: the exported key's public half\n%s\nis not the certificate's\n%s", keyPub, certPub)
	}
	// The files of a certificate whose files are gone are written again
	// (TestIssueWriteFailsAfterCommit has the failed write itself).
	h.ok("issue", "--out-dir", h.out, "w.test")
	stored := h.listJSON("--name", "w.test")
	if err := os.Remove(h.path("w.test-key.pem")); err != nil {
		t.Fatal(err)
	}
	h.ok("export", stored[0].Serial, "--key", "--out", h.path("w.test-key.pem"))
	h.fail(2, "--key", "export", serial, "--key", "--der")
	h.fail(2, "--key", "export", serial, "--key", "--chain")

	testkit.MustRun(t, "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", h.path("csr-key.pem"), "-subj", "/CN=csr.test", "-addext", "subjectAltName=DNS:csr.test", "-out", h.path("csr.pem"))
	h.ok("sign", "--csr", h.path("csr.pem"), "--out", h.path("csr-cert.pem"))
	h.fail(1, "no private key", "export", h.listJSON("--name", "csr.test")[0].Serial, "--key")
}
