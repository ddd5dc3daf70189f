package main

import (
	"encoding/json"
	"encoding/pem"
	"os"
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// TestKeyCreate: key create writes a PKCS#8 key (0600) of the asked type,
// records it, and with --encrypt uses PBES2 that openssl opens with the
// password file, never the legacy Proc-Type encryption.
func TestKeyCreate(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	h := newHome(t)
	pw := h.write("pw", []byte("key pass\n"))
	tests := []struct {
		name      string
		args      []string
		alg       string
		size      int
		encrypted bool
	}{
		{"rsa-3072", []string{"--type", "rsa", "--size", "3072"}, "rsa", 3072, false},
		{"ecdsa-p384", []string{"--type", "ecdsa", "--curve", "P-384"}, "ecdsa", 384, false},
		{"ed25519", []string{"--type", "ed25519"}, "ed25519", 256, false},
		{"ecdsa-encrypted", []string{"--encrypt", "--password-file", pw}, "ecdsa", 256, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := h.path(tt.name + ".key")
			var out struct {
				Fingerprint, Algorithm string
				Size                   int
			}
			if err := json.Unmarshal([]byte(h.ok(append([]string{"key", "create", "--json", "--out", file}, tt.args...)...)), &out); err != nil {
				t.Fatal(err)
			}
			if out.Algorithm != tt.alg || out.Size != tt.size || len(out.Fingerprint) != 64 {
				t.Errorf("key create --json = %+v", out)
			}
			fi, err := os.Stat(file)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("%s: %v, mode %v", file, err, fi)
			}
			data, _ := os.ReadFile(file)
			block, _ := pem.Decode(data)
			want := "PRIVATE KEY"
			if tt.encrypted {
				want = "ENCRYPTED PRIVATE KEY"
			}
			if block == nil || block.Type != want || len(block.Headers) > 0 {
				t.Fatalf("%s is not a %s PEM block without headers:\n%s", file, want, data)
			}
			testkit.MustRun(t, "openssl", "pkey", "-in", file, "-passin", "file:"+pw, "-noout")
			if tt.encrypted {
				if asn := testkit.MustRun(t, "openssl", "asn1parse", "-in", file); !strings.Contains(asn, "PBES2") {
					t.Errorf("openssl asn1parse does not show PBES2:\n%s", asn)
				}
				// The fingerprint is openssl's SHA-256 of the SPKI.
				spki := testkit.MustRun(t, "sh", "-c", "openssl pkey -in "+file+" -passin file:"+pw+" -pubout -outform DER | openssl dgst -sha256 -r")
				if !strings.HasPrefix(spki, out.Fingerprint) {
					t.Errorf("fingerprint %s, openssl says %s", out.Fingerprint, spki)
				}
			}
		})
	}
	h.unchanged(2, "rsa size", "key", "create", "--type", "rsa", "--size", "1024", "--out", h.path("small.key"))
	h.unchanged(2, "curve", "key", "create", "--type", "ecdsa", "--curve", "P-521")
	h.unchanged(2, "want rsa, ecdsa or ed25519", "key", "create", "--type", "dsa")
	h.unchanged(1, "password required", "key", "create", "--encrypt")
	if _, err := os.Stat(h.path("small.key")); !os.IsNotExist(err) {
		t.Errorf("a refused key create wrote its file")
	}
}

// TestKeyImport records keys openssl made, in each form; a wrong password
// fails and stores nothing.
func TestKeyImport(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	h := newHome(t)
	for i, k := range opensslKeys {
		key, pw := h.opensslKey(i)
		args := []string{"key", "import", "--json", key}
		if k.encrypted {
			wrong := h.write("wrong", []byte("not it\n"))
			h.unchanged(1, "wrong password", "key", "import", "--password-file", wrong, key)
			args = append(args, "--password-file", pw)
		}
		var out struct{ Fingerprint string }
		if err := json.Unmarshal([]byte(h.ok(args...)), &out); err != nil || len(out.Fingerprint) != 64 {
			t.Errorf("key import %s: %+v %v", k.name, out, err)
		}
	}
}
