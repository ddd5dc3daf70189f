package ca_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// errDiskFull stands for a commit that fails after the certificate was
// signed: a full disk, an I/O error on fsync.
var errDiskFull = errors.New("injected: no space left on device")

// failingCA is a CA whose store's commits fail while fail is set
// (store.Options.BeforeCommit).
type failingCA struct {
	*ca.CA
	st   *store.Store
	fail *atomic.Bool
}

func newFailingCA(t *testing.T) *failingCA {
	t.Helper()
	fail := new(atomic.Bool)
	st, err := store.Open(filepath.Join(t.TempDir(), "localca.db"), &store.Options{BeforeCommit: func() error {
		if fail.Load() {
			return errDiskFull
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c, err := ca.Init(st, ca.InitOptions{}, ca.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &failingCA{CA: c, st: st, fail: fail}
}

// storeState is what a failed issuance must leave as it was: the number of
// certificates, the event log (every key, CSR and certificate recorded adds
// an event) and the file's bytes.
func storeState(t *testing.T, st *store.Store) (int, int, []byte) {
	t.Helper()
	n, err := st.CountCerts()
	if err != nil {
		t.Fatal(err)
	}
	evs, err := st.Events(0)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := st.Backup(&buf); err != nil {
		t.Fatal(err)
	}
	return n, len(evs), buf.Bytes()
}

// TestCommitFailsAfterSigning makes the store's commit fail after the
// certificate is signed, on every path that issues: the caller gets
// ca.ErrNotStored (and the store's error) with a message saying the
// certificate was signed but not stored, no certificate, and the store
// holds no record of the certificate, its key or its CSR. Once the store
// works again, the same request succeeds.
func TestCommitFailsAfterSigning(t *testing.T) {
	tests := []struct {
		name  string
		issue func(t *testing.T, c *failingCA) (*ca.Issued, error)
	}{
		{"issue", func(t *testing.T, c *failingCA) (*ca.Issued, error) {
			return c.Issue(ca.IssueRequest{Names: []string{"full.test", "127.0.0.1"}})
		}},
		{"sign a CSR", func(t *testing.T, c *failingCA) (*ca.Issued, error) {
			key := newKey(t, "ecdsa-p256")
			return c.Sign(csrPEM(t, key, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "csr.test"}, DNSNames: []string{"csr.test"}}), ca.SignOptions{})
		}},
		{"self-sign", func(t *testing.T, c *failingCA) (*ca.Issued, error) {
			key := newKey(t, "ecdsa-p256")
			csr := csrPEM(t, key, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "self.test"}, DNSNames: []string{"self.test"}})
			return ca.SelfSign(c.st, nil, csr, key, ca.SignOptions{}, fixedNow())
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newFailingCA(t)
			certs, events, file := storeState(t, c.st)
			c.fail.Store(true)
			iss, err := tt.issue(t, c)
			if !errors.Is(err, ca.ErrNotStored) || !errors.Is(err, errDiskFull) {
				t.Fatalf("err = %v, want ca.ErrNotStored wrapping the store's error", err)
			}
			if !strings.Contains(err.Error(), "signed but not stored") {
				t.Errorf("the error does not say the certificate was signed but not stored: %v", err)
			}
			if iss != nil {
				t.Errorf("a failed commit returned a certificate (serial %x)", iss.Cert.SerialNumber)
			}
			c2, e2, f2 := storeState(t, c.st)
			if c2 != certs || e2 != events || !bytes.Equal(f2, file) {
				t.Errorf("the store changed: %d → %d certificates, %d → %d events, file equal %v",
					certs, c2, events, e2, bytes.Equal(f2, file))
			}
			c.fail.Store(false)
			iss, err = tt.issue(t, c)
			if err != nil {
				t.Fatalf("with the store working again: %v", err)
			}
			rec, err := c.st.Cert(iss.Cert.SerialNumber.Bytes())
			if err != nil || !bytes.Equal(rec.DER, iss.Cert.Raw) {
				t.Errorf("the certificate issued after recovery is not stored as returned: %v", err)
			}
		})
	}
}

// TestCommitRefusalIsNotErrNotStored: a commit refused by rule (the key was
// revoked) is a refusal with its own sentinel, not a storage failure.
func TestCommitRefusalIsNotErrNotStored(t *testing.T) {
	c := newFailingCA(t)
	key := newKey(t, "ecdsa-p256")
	if _, err := c.RevokeKey(key.Public()); err != nil {
		t.Fatal(err)
	}
	_, err := c.Sign(csrPEM(t, key, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "bad.test"}, DNSNames: []string{"bad.test"}}), ca.SignOptions{})
	if !errors.Is(err, store.ErrKeyRevoked) || errors.Is(err, ca.ErrNotStored) {
		t.Errorf("signing for a revoked key: %v, want store.ErrKeyRevoked and not ca.ErrNotStored", err)
	}
}
