package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/truststore"
)

// TestInitKeyTypes runs init --no-password for each --key-type and reads
// back ca info --json: the root's key is of that type, the keys are not
// encrypted, and the store is where --home says.
func TestInitKeyTypes(t *testing.T) {
	for _, kt := range ca.KeyTypes {
		// Not parallel: urfave/cli v2 mutates package variables (its help
		// flag and command) on every Run, so in-process runs race.
		t.Run(kt, func(t *testing.T) {
			h := newHome(t)
			h.ok("init", "--no-password", "--key-type", kt, "--name", "Test "+kt)
			var info struct {
				Store        string   `json:"store"`
				Keys         string   `json:"keys"`
				Root         certInfo `json:"root"`
				Intermediate certInfo `json:"intermediate"`
			}
			if err := json.Unmarshal([]byte(h.ok("ca", "info", "--json")), &info); err != nil {
				t.Fatalf("ca info --json: %v", err)
			}
			spec, _ := ca.ParseKeyType(kt)
			if !strings.HasPrefix(info.Root.Key, spec.Algorithm) || !info.Root.IsCA || !info.Intermediate.IsCA {
				t.Errorf("root key %q (want %s), root CA %v, intermediate CA %v", info.Root.Key, kt, info.Root.IsCA, info.Intermediate.IsCA)
			}
			if !strings.Contains(info.Root.Subject, "Test "+kt) || !strings.HasPrefix(info.Store, h.dir) || !strings.Contains(info.Keys, "NOT encrypted") {
				t.Errorf("ca info: %+v", info)
			}
		})
	}
}

// TestInitTwice: a second init is refused without --force and leaves the CA
// as it was; with --force it makes a new one.
func TestInitTwice(t *testing.T) {
	h := newHome(t)
	h.initCA()
	root := h.read("root.pem")
	h.unchanged(1, "already exists", "init", "--no-password")
	r := h.run("init", "--no-password", "--force", "--key-type", "ed25519")
	if r.code != 0 {
		t.Fatalf("init --force: %s", r)
	}
	if now := h.ok("ca", "root"); now == string(root) {
		t.Errorf("init --force kept the old root")
	}
	// trust uninstall cannot find the replaced root any more: init says
	// under which name it may still be trusted.
	old := certs(t, root)[0]
	if !strings.Contains(r.stderr, truststore.Fingerprint(old)) || !strings.Contains(r.stderr, truststore.Nickname(old)) {
		t.Errorf("init --force does not name the replaced root:\n%s", r.stderr)
	}
}

// TestInitPassword: --password-file encrypts the CA keys; signing needs the
// password, a wrong one fails cleanly and stores nothing; the environment
// variable works too.
func TestInitPassword(t *testing.T) {
	h := newHome(t)
	pw := h.write("pw", []byte("hunter2\n"))
	wrong := h.write("wrong", []byte("hunter3\n"))
	h.ok("init", "--password-file", pw)
	if info := h.ok("ca", "info"); !strings.Contains(info, "encrypted (PKCS#8 PBES2)") {
		t.Errorf("ca info does not say the keys are encrypted:\n%s", info)
	}
	h.unchanged(1, "wrong password", "issue", "--out-dir", h.out, "--password-file", wrong, "pw.test")
	h.unchanged(1, "password required", "issue", "--out-dir", h.out, "pw.test")
	h.ok("issue", "--out-dir", h.out, "--password-file", pw, "pw.test")
	t.Setenv("LOCALCA_PASSWORD_FILE", pw)
	h.ok("issue", "--out-dir", h.out, "env.test")
	if n := len(h.listJSON()); n != 2 {
		t.Errorf("%d certificates, want 2", n)
	}
}

// TestInitRefusals: bad command lines are usage errors (exit 2) and a
// missing password is a failure (exit 1); none of them makes a CA.
func TestInitRefusals(t *testing.T) {
	tests := []struct {
		name string
		code int
		want string
		args []string
	}{
		{"unknown key type", 2, "unknown key type", []string{"init", "--no-password", "--key-type", "rsa-1024"}},
		{"dsa", 2, "unknown key type", []string{"init", "--no-password", "--key-type", "dsa"}},
		{"contradiction", 2, "contradict", []string{"init", "--no-password", "--password-file", "/dev/null"}},
		{"argument", 2, "no arguments", []string{"init", "--no-password", "extra"}},
		{"unknown flag", 2, "flag provided but not defined", []string{"init", "--bogus"}},
		{"no password and no terminal", 1, "password required", []string{"init"}},
		{"missing password file", 1, "password file", []string{"init", "--password-file", "/nonexistent/pw"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHome(t)
			h.fail(tt.code, tt.want, tt.args...)
			if r := h.run("ca", "info"); r.code == 0 {
				t.Errorf("a CA exists after a refused init")
			}
		})
	}
}
