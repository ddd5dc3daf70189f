package truststore

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
)

// rootPEMFile writes the root to a temporary file for the tools that read
// one, and returns a function that removes it.
func rootPEMFile(root *x509.Certificate) (string, func(), error) {
	dir, err := os.MkdirTemp("", "localca-trust-")
	if err != nil {
		return "", nil, err
	}
	// The root is public, and under sudo certutil reads it as the user
	// (trust_sudo.go): the folder may be entered by anyone.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	f := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(f, rootPEM(root), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return f, func() { os.RemoveAll(dir) }, nil
}

func rootPEM(root *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: root.Raw})
}

// Fingerprint is the root's SHA-256, the part of file names and nicknames that
// tells this CA's root from another's (a re-initialised CA has a new root).
func Fingerprint(root *x509.Certificate) string {
	sum := sha256.Sum256(root.Raw)
	return hex.EncodeToString(sum[:])
}

// Nickname is the name under which NSS and Java hold root.
func Nickname(root *x509.Certificate) string { return "localca " + Fingerprint(root)[:16] }

// PEMHolds reports whether data holds a certificate whose DER is der, and
// how many certificates it holds.
func PEMHolds(data, der []byte) (found bool, n int) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return found, n
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		n++
		if string(b.Bytes) == string(der) {
			found = true
		}
	}
}
