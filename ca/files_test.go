package ca_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/testkit"
)

// TestFilesCheck: what keeps the files from being written is found before
// anything is issued.
func TestFilesCheck(t *testing.T) {
	dir := t.TempDir()
	notDir := writeFile(t, dir, "plain", []byte("x"))
	if err := os.Mkdir(filepath.Join(dir, "taken.test.pem"), 0o755); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 52) + ".test"
	tests := []struct {
		name  string
		files ca.Files
		ok    bool
	}{
		{"plain names", ca.FilesFor(dir, "localhost", true), true},
		{"a 248-byte name", ca.FilesFor(dir, long[:240], false), true},
		{"a 249-character DNS name", ca.FilesFor(dir, long, false), false},
		{"a missing folder", ca.FilesFor(filepath.Join(dir, "nope"), "a.test", false), false},
		{"a file for a folder", ca.FilesFor(notDir, "a.test", false), false},
		{"a folder where the certificate goes", ca.FilesFor(dir, "taken.test", false), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.files.Check()
			if tt.ok && err != nil {
				t.Fatalf("Check: %v", err)
			}
			if !tt.ok && !errors.Is(err, ca.ErrCannotWrite) {
				t.Fatalf("Check: %v, want ca.ErrCannotWrite", err)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("Check left files behind: %v", entries)
	}
}

// TestFilesWriteAgain: the files of an issued certificate are written from
// what the store holds, equal to those Issue returned; a failed write names
// the serial.
func TestFilesWriteAgain(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	iss, err := c.Issue(ca.IssueRequest{Names: []string{"again.test"}})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gone := ca.FilesFor(filepath.Join(dir, "gone"), "again.test", false)
	err = gone.Write(iss)
	var fe *ca.FilesError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), ca.FormatSerial(iss.Cert.SerialNumber.Bytes())) {
		t.Fatalf("writing into a missing folder: %v, want a FilesError naming the serial", err)
	}
	stored, err := ca.Stored(c.Store(), iss.Cert.SerialNumber.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	files := ca.FilesFor(dir, "again.test", true)
	if err := files.Write(stored); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(files.Key); !bytes.Equal(got, iss.KeyPEM) {
		t.Error("the key written again differs from the one issued")
	}
	if got, _ := os.ReadFile(files.Cert); !bytes.Equal(got, iss.ChainPEM()) {
		t.Error("the chain written again differs from the one issued")
	}
	if fi, err := os.Stat(files.Key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v, %v", fi, err)
	}
	testkit.MustRun(t, "openssl", "pkcs12", "-in", files.P12, "-passin", "pass:"+ca.DefaultP12Password, "-noout")

	signed, err := c.Sign(csrPEM(t, newKey(t, "ecdsa-p256"), &x509.CertificateRequest{DNSNames: []string{"csr.test"}}), ca.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.StoredKeyPEM(c.Store(), signed.Cert.SerialNumber.Bytes()); !errors.Is(err, ca.ErrNoStoredKey) {
		t.Errorf("the stored key of a CSR's certificate: %v, want ca.ErrNoStoredKey", err)
	}
}
