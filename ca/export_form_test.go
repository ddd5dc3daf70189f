package ca_test

import (
	"bytes"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/localca/localca/ca"
)

// TestHomeExport: each form of a stored certificate, the key as a secret,
// and an unknown serial as ErrNotFound.
func TestHomeExport(t *testing.T) {
	h := testHome(t, nil)
	c, _, err := h.Init(ca.InitOptions{}, ca.Options{})
	if err != nil {
		t.Fatal(err)
	}
	iss, err := c.Issue(ca.IssueRequest{Names: []string{"web.test"}})
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	serial := iss.Cert.SerialNumber.Bytes()
	tests := []struct {
		name       string
		form       ca.ExportForm
		want       []byte
		wantSecret bool
	}{
		{"PEM", ca.ExportForm{}, iss.PEM(), false},
		{"DER", ca.ExportForm{DER: true}, iss.Cert.Raw, false},
		{"chain", ca.ExportForm{Chain: true}, iss.ChainPEM(), false},
		{"key", ca.ExportForm{Key: true}, iss.KeyPEM, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, secret, err := h.Export(serial, tt.form, ca.Options{})
			if err != nil || !bytes.Equal(data, tt.want) || secret != tt.wantSecret {
				t.Fatalf("Export: %d bytes, secret %v, %v; want %d bytes, secret %v", len(data), secret, err, len(tt.want), tt.wantSecret)
			}
		})
	}
	if b, _ := pem.Decode(iss.KeyPEM); b == nil {
		t.Errorf("the stored key is no PEM")
	}
	if _, _, err := h.Export([]byte{0xff, 0xee}, ca.ExportForm{}, ca.Options{}); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("Export of an unknown serial: %v, want ErrNotFound", err)
	}
}

// TestHomeStoreFile: the store file is localca.db in the home folder.
func TestHomeStoreFile(t *testing.T) {
	h := ca.Home{Dir: "/x/home"}
	if got, err := h.StoreFile(); err != nil || got != filepath.FromSlash("/x/home/localca.db") {
		t.Errorf("StoreFile() = %q, %v", got, err)
	}
}

// TestFilesReadP12Password: the first line of the file, no file keeps the
// default, and an empty file is an error.
func TestFilesReadP12Password(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content string // content "-": no path given
		want          string
		wantErr       bool
	}{
		{"no file", "-", "", false},
		{"first line", "s3cret\nmore\n", "s3cret", false},
		{"empty", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.content != "-" {
				path = filepath.Join(dir, tt.name)
				os.WriteFile(path, []byte(tt.content), 0o600)
			}
			var f ca.Files
			err := f.ReadP12Password(path)
			if (err != nil) != tt.wantErr || f.P12Password != tt.want {
				t.Errorf("ReadP12Password: %q, %v; want %q (error %v)", f.P12Password, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestFilesExistingKey: a key file that is there is read; none, or a
// folder in its place, is no key (the store's is used).
func TestFilesExistingKey(t *testing.T) {
	dir := t.TempDir()
	keyPEM, err := ca.EncodeKey(newKey(t, "ecdsa-p256"), nil)
	if err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "folder-key.pem"), 0o700)
	tests := []struct {
		name    string
		key     string
		wantKey bool
	}{
		{"there", writeFile(t, dir, "app-key.pem", keyPEM), true},
		{"missing", filepath.Join(dir, "none-key.pem"), false},
		{"a folder", filepath.Join(dir, "folder-key.pem"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ca.Files{Key: tt.key}.ExistingKey(func() ([]byte, error) { t.Fatal("asked for a password"); return nil, nil })
			if err != nil || (k != nil) != tt.wantKey {
				t.Errorf("ExistingKey: %v, %v; want a key: %v", k, err, tt.wantKey)
			}
		})
	}
}
