package ca_test

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/testkit"
)

// TestSubjectOrderAsOpenSSL: `csr create --subject S` and `openssl req
// -subj S` make subjects with the same attributes in the same order
// (Go's pkix.Name encodes its fields in a fixed order, C first and CN
// last, which reversed "/CN=a.test/O=Acme").
func TestSubjectOrderAsOpenSSL(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.pem")
	testkit.MustRun(t, "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile)
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ca.ParseKey(keyPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ subj, cn string }{
		{"/CN=a.test/O=Acme", ""},
		{"/O=Acme/CN=a.test", ""},
		{"/C=DE/ST=Berlin/L=Berlin/O=Acme/OU=Dev/CN=b.test", ""},
		{"/CN=c.test/OU=Dev/O=Acme/C=DE", ""},
		{"/CN=d.test/O=First/O=Second/OU=x", ""},
		{`/CN=e.test/O=Acme\/Dev/serialNumber=42`, ""},
		{"/O=Acme/CN=old.test", "new.test"}, // --cn replaces the CN where it stood
	}
	for _, tt := range tests {
		t.Run(tt.subj, func(t *testing.T) {
			n, err := ca.ParseSubject(tt.subj)
			if err != nil {
				t.Fatal(err)
			}
			subj := tt.subj
			if tt.cn != "" {
				ca.SetCommonName(&n, tt.cn)
				subj = strings.Replace(subj, "CN=old.test", "CN="+tt.cn, 1)
			}
			der, err := ca.CreateCSR(key, ca.CSRRequest{Subject: n})
			if err != nil {
				t.Fatal(err)
			}
			ours := writeFile(t, dir, "ours.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
			theirs := filepath.Join(dir, "theirs.pem")
			testkit.MustRun(t, "openssl", "req", "-new", "-key", keyFile, "-subj", subj, "-out", theirs)
			for _, nameopt := range []string{"RFC2253", "oneline"} {
				got := string(testkit.MustRun(t, "openssl", "req", "-in", ours, "-noout", "-subject", "-nameopt", nameopt))
				want := string(testkit.MustRun(t, "openssl", "req", "-in", theirs, "-noout", "-subject", "-nameopt", nameopt))
				if got != want {
					t.Errorf("-nameopt %s: ours %q, openssl's %q", nameopt, strings.TrimSpace(got), strings.TrimSpace(want))
				}
			}
		})
	}
}
