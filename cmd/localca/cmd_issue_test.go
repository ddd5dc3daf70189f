package main

import (
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/localca/localca/internal/testkit"
)

// TestIssueFreshHome: issue on a home without a CA makes one and says where,
// writes NAME.pem (leaf then intermediate, 0644) and NAME-key.pem (0600),
// and the certificate is in the store and verifies with openssl.
func TestIssueFreshHome(t *testing.T) {
	h := newHome(t)
	r := h.run("issue", "--out-dir", h.out, "localhost", "127.0.0.1", "::1")
	if r.code != 0 {
		t.Fatal(r)
	}
	if !strings.Contains(r.stderr, "created a new CA in "+filepath.Join(h.dir, "localca.db")) {
		t.Errorf("issue on a fresh home does not say where it made the CA:\n%s", r.stderr)
	}
	h.ok("ca", "root", "--out", h.path("root.pem"))
	h.ok("ca", "intermediate", "--out", h.path("intermediate.pem"))
	chain := certs(t, h.read("localhost.pem"))
	inter := certs(t, h.read("intermediate.pem"))
	if len(chain) != 2 || !chain[1].Equal(inter[0]) || chain[0].IsCA {
		t.Fatalf("localhost.pem holds %d certificates, want the leaf then the intermediate", len(chain))
	}
	if !slices.Equal(chain[0].DNSNames, []string{"localhost"}) || len(chain[0].IPAddresses) != 2 {
		t.Errorf("names: DNS %v IP %v", chain[0].DNSNames, chain[0].IPAddresses)
	}
	for name, want := range map[string]os.FileMode{"localhost-key.pem": 0o600, "localhost.pem": 0o644} {
		fi, err := os.Stat(h.path(name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %o, want %o", name, fi.Mode().Perm(), want)
		}
	}
	h.verify(h.path("localhost.pem"), "sslserver")
	// The key file is the leaf's key, as openssl sees it.
	certPub := testkit.MustRun(t, "openssl", "x509", "-in", h.path("localhost.pem"), "-noout", "-pubkey")
	keyPub := testkit.MustRun(t, "openssl", "pkey", "-in", h.path("localhost-key.pem"), "-pubout")
	if certPub != keyPub {
		t.Errorf("localhost-key.pem is not the certificate's key")
	}
	list := h.listJSON()
	if len(list) != 1 || !sameSerial(list[0].Serial, chain[0].SerialNumber.Text(16)) {
		t.Errorf("list --json = %+v, want the issued certificate", list)
	}
	// A second issue reuses the CA, silently.
	r = h.run("issue", "--out-dir", h.out, "--json", "second.test")
	if r.code != 0 || strings.Contains(r.stderr, "created a new CA") {
		t.Errorf("second issue: %s", r)
	}
	var out struct {
		Serial  string            `json:"serial"`
		Profile string            `json:"profile"`
		Files   map[string]string `json:"files"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.Profile != "server" || out.Files["cert"] != h.path("second.test.pem") {
		t.Errorf("issue --json = %q (%v)", r.stdout, err)
	}
}

// TestIssueProfiles checks the usages each profile flag gives, for each
// leaf key type, and that openssl accepts each for its TLS purpose.
func TestIssueProfiles(t *testing.T) {
	h := newHome(t)
	h.initCA()
	tests := []struct {
		args    []string
		file    string
		eku     []x509.ExtKeyUsage
		purpose string
	}{
		{[]string{"--key-type", "ecdsa-p384", "srv.test"}, "srv.test.pem", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, "sslserver"},
		{[]string{"--client", "--key-type", "rsa-2048", "alice@dev.test"}, "alice@dev.test.pem", []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, "sslclient"},
		{[]string{"--profile", "client", "bob.test"}, "bob.test.pem", []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, "sslclient"},
		{[]string{"--profile", "peer", "--key-type", "ed25519", "api.test", "spiffe://localca.test/api"}, "api.test.pem",
			[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, "sslserver"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			h.ok(append([]string{"issue", "--out-dir", h.out}, tt.args...)...)
			leaf := certs(t, h.read(tt.file))[0]
			if !slices.Equal(leaf.ExtKeyUsage, tt.eku) || leaf.IsCA {
				t.Errorf("EKU %v IsCA %v, want %v", leaf.ExtKeyUsage, leaf.IsCA, tt.eku)
			}
			h.verify(h.path(tt.file), tt.purpose)
		})
	}
}

// TestIssueWildcard: "*" in the first name becomes "_wildcard" in the file
// names, and the certificate carries the wildcard.
func TestIssueWildcard(t *testing.T) {
	h := newHome(t)
	h.initCA()
	h.ok("issue", "--out-dir", h.out, "*.app.test", "app.test")
	leaf := certs(t, h.read("_wildcard.app.test.pem"))[0]
	if !slices.Equal(leaf.DNSNames, []string{"*.app.test", "app.test"}) {
		t.Errorf("DNSNames %v", leaf.DNSNames)
	}
	if _, err := os.Stat(h.path("_wildcard.app.test-key.pem")); err != nil {
		t.Error(err)
	}
	h.verify(h.path("_wildcard.app.test.pem"), "sslserver")
}

// TestIssueP12: --p12 writes NAME.p12 that openssl and go-pkcs12 both open
// with the password "changeit", holding the key, the leaf and the
// intermediate.
func TestIssueP12(t *testing.T) {
	h := newHome(t)
	h.initCA()
	h.ok("issue", "--out-dir", h.out, "--p12", "p12.test")
	p12 := h.path("p12.test.p12")
	if fi, err := os.Stat(p12); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("p12.test.p12: %v, mode %v", err, fi)
	}
	out := testkit.MustRun(t, "openssl", "pkcs12", "-in", p12, "-passin", "pass:changeit", "-nodes")
	if strings.Count(out, "BEGIN CERTIFICATE") != 2 || !strings.Contains(out, "BEGIN PRIVATE KEY") {
		t.Errorf("openssl pkcs12 output lacks the key or the two certificates:\n%s", out)
	}
	key, leaf, chain, err := pkcs12.DecodeChain(h.read("p12.test.p12"), "changeit")
	if err != nil {
		t.Fatalf("go-pkcs12: %v", err)
	}
	if leaf.DNSNames[0] != "p12.test" || len(chain) != 1 || !chain[0].IsCA || key == nil {
		t.Errorf("p12 holds leaf %v, %d chain certificates", leaf.DNSNames, len(chain))
	}
	if _, _, _, err := pkcs12.DecodeChain(h.read("p12.test.p12"), "wrong"); err == nil {
		t.Errorf("the p12 opens with a wrong password")
	}
}

// TestIssueCommitsBeforeWriting: where the files cannot be written (a
// missing folder, a file for a folder, a read-only folder) issue refuses
// before it issues, naming the folder, and stores nothing (it used to
// commit, then fail with a raw error). TestIssueWriteFailsAfterCommit
// covers a write that fails after the commit all the same.
func TestIssueCommitsBeforeWriting(t *testing.T) {
	h := newHome(t)
	h.initCA()
	ro := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, dir string }{
		{"missing folder", filepath.Join(h.out, "no", "such")},
		{"a file, not a folder", h.path("root.pem")},
		{"read-only folder", ro},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.dir == ro && os.Geteuid() == 0 {
				t.Skip("root writes into read-only folders")
			}
			h.fail(1, tt.dir, "issue", "--out-dir", tt.dir, "lost.test")
			if n := len(h.listJSON("--name", "lost.test")); n != 0 {
				t.Errorf("%d certificates for lost.test in the store, want none", n)
			}
		})
	}
}

// TestIssueRefusals: a refused issue says why, exits 1 (2 for usage), and
// leaves the store unchanged.
func TestIssueRefusals(t *testing.T) {
	h := newHome(t)
	h.initCA()
	h.ok("issue", "--out-dir", h.out, "seed.test")
	tests := []struct {
		name string
		code int
		want string
		args []string
	}{
		{"public name", 1, `"example.com" is not allowed`, []string{"example.com"}},
		{"public IP", 1, "8.8.8.8", []string{"8.8.8.8"}},
		{"one bad name among good", 1, "evil.com", []string{"good.test", "evil.com"}},
		{"wildcard client", 1, "wildcard", []string{"--client", "*.c.test"}},
		{"too long", 1, "validity", []string{"--days", "4000", "long.test"}},
		{"unknown profile", 1, "unknown profile", []string{"--profile", "intermediate2", "p.test"}},
		{"unknown key type", 2, "unknown key type", []string{"--key-type", "rsa-1024", "k.test"}},
		{"client and profile", 2, "contradicts", []string{"--client", "--profile", "server", "c.test"}},
		{"no name", 2, "at least one name", nil},
		{"negative days", 2, "--days", []string{"--days", "-1", "d.test"}},
		{"bad email", 1, "not a plain address", []string{"--client", "not an@address"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.unchanged(tt.code, tt.want, append([]string{"issue", "--out-dir", h.out}, tt.args...)...)
		})
	}
}
