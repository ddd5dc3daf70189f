package main

// Files and passwords (issue 8): the private keys the CLI writes are 0600
// whatever was at the path before, CA keys in the store are PKCS#8 PBES2,
// and passwords come only from files and never show up in output, errors
// or the store.

import (
	"bytes"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/internal/testkit"
	"github.com/localca/localca/store"
)

// TestPrivateKeyFilesAre0600: every private key the CLI writes (key create,
// plain and encrypted; issue's -key.pem; issue --p12) is mode 0600, also
// when a world-readable file already sat at that path; the old content is
// replaced whole and no temporary file is left.
func TestPrivateKeyFilesAre0600(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	h.initCA()
	pw := h.write("pw", []byte("Files-Test-Password-0600\n"))
	dir := t.TempDir()
	in := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name  string
		file  string
		args  []string
		begin string // what the new file starts with
	}{
		// The headers are put together here so that no key-shaped line
		// sits in the source.
		{"key create", in("k.pem"), []string{"key", "create", "--out", in("k.pem")}, "-----BEGIN " + "PRIVATE KEY-----"},
		{"key create --encrypt", in("e.pem"), []string{"key", "create", "--encrypt", "--password-file", pw, "--out", in("e.pem")}, "-----BEGIN " + "ENCRYPTED PRIVATE KEY-----"},
		{"issue", in("files.test-key.pem"), []string{"issue", "--out-dir", dir, "files.test"}, "-----BEGIN "},
		{"issue --p12", in("p12.test.p12"), []string{"issue", "--p12", "--out-dir", dir, "p12.test"}, "\x30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := h.in(t)
			old := []byte("old world-readable content, longer than nothing\n")
			if err := os.WriteFile(tt.file, old, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(tt.file, 0o644); err != nil { // whatever the umask
				t.Fatal(err)
			}
			h.ok(tt.args...)
			st, err := os.Stat(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("%s is mode %v, want 0600", tt.file, st.Mode().Perm())
			}
			data, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, old) || !bytes.HasPrefix(data, []byte(tt.begin)) {
				t.Errorf("%s holds %.40q…, want new content starting %q", tt.file, data, tt.begin)
			}
		})
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(tmp) > 0 {
		t.Errorf("temporary files left behind: %v", tmp)
	}
	if st, err := os.Stat(filepath.Join(h.dir, "localca.db")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("the store: %v, mode %v; want 0600", err, st.Mode().Perm())
	}
}

// pbes2 is the OID of PKCS#5 v2 password-based encryption (RFC 8018).
var oidPBES2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}

// TestCAKeysInStore opens the store read-only and looks at every CA key
// record. With a password: each is an ENCRYPTED PRIVATE KEY (PKCS#8) whose
// algorithm is PBES2, with no legacy "Proc-Type: 4,ENCRYPTED" header, and
// openssl decrypts it with the password and refuses another. With
// --no-password: each is a plain PKCS#8 PRIVATE KEY marked unencrypted, and
// `ca info` says so.
func TestCAKeysInStore(t *testing.T) {
	t.Parallel()
	caKeys := func(t *testing.T, h *home) []*store.Authority {
		t.Helper()
		st, err := store.Open(filepath.Join(h.dir, "localca.db"), &store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		as, err := st.Authorities()
		if err != nil || len(as) != 2 {
			t.Fatalf("%d authorities (%v), want root and intermediate", len(as), err)
		}
		return as
	}

	t.Run("password", func(t *testing.T) {
		h := newHome(t)
		pw := h.write("pw", []byte("CA-Store-Password-PBES2\n"))
		wrong := h.write("wrong", []byte("not-the-password\n"))
		h.ok("init", "--password-file", pw)
		for _, a := range caKeys(t, h) {
			if !a.Encrypted || bytes.Contains(a.KeyPEM, []byte("Proc-Type")) || bytes.Contains(a.KeyPEM, []byte("DEK-Info")) {
				t.Errorf("%s: encrypted=%v, legacy PEM encryption headers: %q", a.Role, a.Encrypted, a.KeyPEM)
			}
			block, rest := pem.Decode(a.KeyPEM)
			if block == nil || block.Type != "ENCRYPTED PRIVATE KEY" || len(block.Headers) > 0 || len(bytes.TrimSpace(rest)) > 0 {
				t.Fatalf("%s key record is not one ENCRYPTED PRIVATE KEY block: %q", a.Role, a.KeyPEM)
			}
			var info struct {
				Algo struct {
					Algorithm  asn1.ObjectIdentifier
					Parameters asn1.RawValue
				}
				Data []byte
			}
			if _, err := asn1.Unmarshal(block.Bytes, &info); err != nil || !info.Algo.Algorithm.Equal(oidPBES2) {
				t.Errorf("%s key: algorithm %v (%v), want PBES2 %v", a.Role, info.Algo.Algorithm, err, oidPBES2)
			}
			testkit.NeedTool(t, "openssl")
			f := h.write(a.Role+"-key.pem", a.KeyPEM)
			if out := testkit.MustRun(t, "openssl", "asn1parse", "-in", f); !strings.Contains(out, ":PBES2") {
				t.Errorf("openssl asn1parse does not see PBES2:\n%s", out)
			}
			testkit.MustRun(t, "openssl", "pkey", "-in", f, "-passin", "file:"+pw, "-noout")
			if r := runTool(t, "", "openssl", "pkey", "-in", f, "-passin", "file:"+wrong, "-noout"); r.code == 0 {
				t.Errorf("openssl decrypted the %s key with the wrong password", a.Role)
			}
		}
	})

	t.Run("no password", func(t *testing.T) {
		h := newHome(t)
		h.ok("init", "--no-password")
		for _, a := range caKeys(t, h) {
			block, _ := pem.Decode(a.KeyPEM)
			if a.Encrypted || block == nil || block.Type != "PRIVATE KEY" {
				t.Errorf("%s: encrypted=%v, block %v; want a plain PKCS#8 PRIVATE KEY marked unencrypted", a.Role, a.Encrypted, block)
			}
		}
		if out := h.ok("ca", "info"); !regexp.MustCompile(`CA keys:\s+NOT encrypted \(--no-password\)`).MatchString(out) {
			t.Errorf("ca info does not say the keys are unencrypted:\n%s", out)
		}
	})
}

// TestNoFlagTakesAPassword walks the whole command tree: every flag whose
// name mentions a password names a file (or is the --no-password switch),
// so no password ever sits in argv, where ps shows it to every user.
func TestNoFlagTakesAPassword(t *testing.T) {
	app := newApp(&env{getenv: func(string) string { return "" }})
	found := 0
	var walk func(path string, flags []cli.Flag, cmds []*cli.Command)
	walk = func(path string, flags []cli.Flag, cmds []*cli.Command) {
		for _, f := range flags {
			for _, name := range f.Names() {
				if !strings.Contains(strings.ToLower(name), "pass") {
					continue
				}
				found++
				switch ff := f.(type) {
				case *cli.BoolFlag:
					if name != "no-password" {
						t.Errorf("%s --%s: a switch named like a password", path, name)
					}
				case *cli.StringFlag:
					if !strings.HasSuffix(name, "-file") {
						t.Errorf("%s --%s (%q): takes a value that is not a file", path, name, ff.Usage)
					}
					for _, ev := range ff.EnvVars {
						if !strings.HasSuffix(ev, "_FILE") {
							t.Errorf("%s --%s: environment variable %s holds a password, not a file name", path, name, ev)
						}
					}
				default:
					t.Errorf("%s --%s: a %T, want a file name", path, name, f)
				}
			}
		}
		for _, c := range cmds {
			walk(path+" "+c.Name, c.Flags, c.Subcommands)
		}
	}
	walk("localca", app.Flags, app.Commands)
	if found < 5 {
		t.Errorf("found %d password flags; the walk missed the command tree", found)
	}
}

// TestPasswordsNeverShown runs a password CA through init, issue, sign and
// failures with a wrong password, and checks that neither password appears
// on stdout or stderr of any run, nor anywhere in the store file (event log
// included).
func TestPasswordsNeverShown(t *testing.T) {
	t.Parallel()
	const secret = "Ocelot-Vermilion-7731-secret"
	const wrong = "Pangolin-Cobalt-2208-wrong"
	h := newHome(t)
	pw := h.write("pw", []byte(secret+"\n"))
	bad := h.write("bad", []byte(wrong+"\n"))
	key := h.write("k.pem", mustKeyPEM(t))
	var runs []cliResult
	run := func(code int, args ...string) {
		t.Helper()
		r := h.run(args...)
		if r.code != code {
			t.Errorf("localca %q: exit %d, want %d: %s", args, r.code, code, r)
		}
		runs = append(runs, r)
	}
	run(0, "init", "--password-file", pw)
	run(0, "issue", "--password-file", pw, "--out-dir", h.out, "pw.test")
	run(0, "csr", "create", "--key", key, "--cn", "pw2.test", "--out", h.path("pw2.csr"))
	run(0, "sign", "--csr", h.path("pw2.csr"), "--password-file", pw)
	run(1, "sign", "--csr", h.path("pw2.csr"), "--password-file", bad)
	run(0, "key", "create", "--encrypt", "--password-file", pw, "--out", h.path("enc.pem"))
	run(1, "key", "import", h.path("enc.pem"), "--password-file", bad)
	if r := runs[4]; !strings.Contains(r.stderr, "wrong password") {
		t.Errorf("sign with a wrong CA password: %s", r)
	}
	for _, r := range runs {
		for _, p := range []string{secret, wrong} {
			if strings.Contains(r.stdout, p) || strings.Contains(r.stderr, p) {
				t.Errorf("a password is in the output: %s", r)
			}
		}
	}
	db, err := os.ReadFile(filepath.Join(h.dir, "localca.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{secret, wrong} {
		if bytes.Contains(db, []byte(p)) {
			t.Errorf("the store file holds the password %q", p)
		}
	}
	// The event log, decoded (the file check above sees raw bytes only).
	st, err := store.Open(filepath.Join(h.dir, "localca.db"), &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	events, err := st.Events(0)
	if err != nil || len(events) == 0 {
		t.Fatalf("%d events (%v)", len(events), err)
	}
	for _, e := range events {
		line := e.Kind + " " + e.Ref + " " + e.Detail
		if strings.Contains(line, secret) || strings.Contains(line, wrong) {
			t.Errorf("event %d shows a password: %s", e.Seq, line)
		}
	}
}
