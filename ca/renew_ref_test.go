package ca_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/localca/localca/ca"
)

// TestRenewRef: a regular file is a certificate file (renewed in place),
// anything else a serial; what is neither is ErrBadRef.
func TestRenewRef(t *testing.T) {
	dir := t.TempDir()
	iss, err := newCA(t, "ecdsa-p256").Issue(ca.IssueRequest{Names: []string{"a.test"}})
	if err != nil {
		t.Fatal(err)
	}
	serial := iss.Cert.SerialNumber.Bytes()
	certFile := writeFile(t, dir, "a.test.pem", iss.ChainPEM())
	junk := writeFile(t, dir, "junk.pem", []byte("not a certificate"))
	tests := []struct {
		name     string
		ref      string
		serial   []byte
		certFile string
		wantErr  error
	}{
		{"file", certFile, serial, certFile, nil},
		{"serial", ca.FormatSerial(serial), serial, "", nil},
		{"folder is no file", dir, nil, "", ca.ErrBadRef},
		{"neither", "no-such.pem", nil, "", ca.ErrBadRef},
		{"file without a certificate", junk, nil, junk, ca.ErrBadCertificate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			serial, certFile, err := ca.RenewRef(tt.ref)
			if !errors.Is(err, tt.wantErr) || !bytes.Equal(serial, tt.serial) || certFile != tt.certFile {
				t.Errorf("got %x, %q, %v; want %x, %q, %v", serial, certFile, err, tt.serial, tt.certFile, tt.wantErr)
			}
		})
	}
}
