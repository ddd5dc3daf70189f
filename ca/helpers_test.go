package ca_test

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// newStore opens an empty store in a temporary folder, closed at the end.
func newStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "localca.db"), nil)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newCA initialises an unencrypted CA of the given key type in a new store.
func newCA(t testing.TB, keyType string) *ca.CA {
	t.Helper()
	c, err := ca.Init(newStore(t), ca.InitOptions{KeyType: keyType}, ca.Options{})
	if err != nil {
		t.Fatalf("ca.Init(%q): %v", keyType, err)
	}
	return c
}

// newKey generates a key of one of ca.KeyTypes.
func newKey(t testing.TB, keyType string) crypto.Signer {
	t.Helper()
	spec, err := ca.ParseKeyType(keyType)
	if err != nil {
		t.Fatal(err)
	}
	k, err := spec.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// csrPEM signs a CSR for tmpl with key and returns it as PEM.
func csrPEM(t testing.TB, key crypto.Signer, tmpl *x509.CertificateRequest) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(nil, tmpl, key)
	if err != nil {
		t.Fatalf("CreateCertificateRequest: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// certPEM is a certificate as PEM.
func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// writeFile writes data into dir/name and returns the path.
func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// fixedNow is a clock for tests that compare times.
func fixedNow() time.Time { return time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC) }

// nothingIssued checks that a CA whose every request was refused holds no
// certificate and logged nothing but its own making.
func nothingIssued(t *testing.T, c *ca.CA) {
	t.Helper()
	if n, err := c.Store().CountCerts(); err != nil || n != 0 {
		t.Errorf("store holds %d certificates after refusals (%v), want 0", n, err)
	}
	ev, err := c.Store().Events(0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ev {
		if e.Kind != "ca.init" {
			t.Errorf("a refusal left an event: %+v", e)
		}
	}
}
