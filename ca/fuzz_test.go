package ca_test

import (
	"encoding/pem"
	"testing"

	"github.com/localca/localca/ca"
)

// FuzzParseCSR feeds outside input to the CSR parser: it must never panic,
// and whatever it accepts must carry a signature that verifies.
func FuzzParseCSR(f *testing.F) {
	key := newKey(f, "ecdsa-p256")
	der, err := ca.CreateCSR(key, ca.CSRRequest{SANs: []string{"f.test", "127.0.0.1"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(der)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\nMIIB"))
	f.Fuzz(func(t *testing.T, data []byte) {
		csr, err := ca.ParseCSR(data)
		if err != nil {
			return
		}
		if err := csr.CheckSignature(); err != nil {
			t.Fatalf("ParseCSR accepted a CSR whose signature fails: %v", err)
		}
	})
}

// FuzzParseKey feeds outside input to the key parser: it must never panic.
func FuzzParseKey(f *testing.F) {
	plain, err := ca.EncodeKey(newKey(f, "ed25519"), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(plain, []byte(nil))
	// A truncated SEC1 key (the first bytes of its DER), made here so that no
	// key-shaped block sits in the source.
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: []byte{0x30, 0x77, 0x02, 0x01, 0x01, 0x04}}), []byte("pw"))
	f.Fuzz(func(t *testing.T, data, pw []byte) {
		if k, err := ca.ParseKey(data, pw); err == nil && k == nil {
			t.Fatal("ParseKey returned neither a key nor an error")
		}
	})
}

// FuzzParseSubject: the -subj parser must never panic on any string.
func FuzzParseSubject(f *testing.F) {
	for _, s := range []string{"/CN=a.test/O=Acme", `/CN=a\/b`, "/", "CN=x", "/CN=", `/O=\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ca.ParseSubject(s)
	})
}
