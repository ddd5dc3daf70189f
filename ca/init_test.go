package ca_test

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// TestInitHierarchy checks the shape of the two CA certificates for each
// --key-type: a root with path length 1 and an intermediate with path length
// 0 and critical name constraints from the policy.
func TestInitHierarchy(t *testing.T) {
	for _, kt := range ca.KeyTypes {
		t.Run(kt, func(t *testing.T) {
			t.Parallel()
			c := newCA(t, kt)
			root, inter := c.Root(), c.Intermediate()
			if alg, _ := ca.DescribeKey(root.PublicKey); !strings.HasPrefix(kt, alg) {
				t.Errorf("root key is %s, want %s", alg, kt)
			}
			if !root.IsCA || root.MaxPathLen != 1 || root.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
				t.Errorf("root IsCA=%v MaxPathLen=%d KeyUsage=%b", root.IsCA, root.MaxPathLen, root.KeyUsage)
			}
			if !bytes.Equal(root.RawSubject, root.RawIssuer) || root.CheckSignatureFrom(root) != nil {
				t.Errorf("root is not self-signed")
			}
			if !inter.IsCA || inter.MaxPathLen != 0 || !inter.MaxPathLenZero || inter.KeyUsage&x509.KeyUsageCertSign == 0 {
				t.Errorf("intermediate IsCA=%v MaxPathLen=%d zero=%v KeyUsage=%b", inter.IsCA, inter.MaxPathLen, inter.MaxPathLenZero, inter.KeyUsage)
			}
			if err := inter.CheckSignatureFrom(root); err != nil {
				t.Errorf("intermediate is not signed by the root: %v", err)
			}
			if !inter.PermittedDNSDomainsCritical || !slices.Contains(inter.PermittedDNSDomains, ".test") || len(inter.PermittedIPRanges) == 0 {
				t.Errorf("intermediate name constraints: critical=%v DNS=%v IP=%v", inter.PermittedDNSDomainsCritical, inter.PermittedDNSDomains, inter.PermittedIPRanges)
			}
			if !inter.NotAfter.Before(root.NotAfter) || !bytes.Equal(inter.AuthorityKeyId, root.SubjectKeyId) {
				t.Errorf("intermediate outlives the root or its AKI is not the root's SKI")
			}
		})
	}
}

// TestInitPassword: a password encrypts both CA keys with PBES2; signing
// then needs it, and a wrong one fails without storing anything.
func TestInitPassword(t *testing.T) {
	st := newStore(t)
	pw := []byte("s3cret")
	c, err := ca.Init(st, ca.InitOptions{Password: pw}, ca.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Encrypted() {
		t.Errorf("Encrypted() = false")
	}
	root, inter, err := st.CA()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []*store.Authority{root, inter} {
		if b, _ := pem.Decode(a.KeyPEM); b == nil || b.Type != "ENCRYPTED PRIVATE KEY" || !a.Encrypted {
			t.Errorf("%s key is not stored as ENCRYPTED PRIVATE KEY", a.Role)
		}
	}
	csr := csrPEM(t, newKey(t, "ecdsa-p256"), &x509.CertificateRequest{DNSNames: []string{"pw.test"}})
	tests := []struct {
		name     string
		password func() ([]byte, error)
		want     error
	}{
		{"no password", nil, ca.ErrPasswordRequired},
		{"wrong password", func() ([]byte, error) { return []byte("wrong"), nil }, ca.ErrWrongPassword},
		{"password source fails", func() ([]byte, error) { return nil, errors.New("no terminal") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := ca.Load(st, ca.Options{Password: tt.password})
			if err != nil {
				t.Fatal(err)
			}
			_, err = l.Sign(csr, ca.SignOptions{})
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Sign = %v, want %v", err, tt.want)
			}
		})
	}
	if n, _ := st.CountCerts(); n != 0 {
		t.Fatalf("%d certificates stored by failed signings", n)
	}
	l, err := ca.Load(st, ca.Options{Password: func() ([]byte, error) { return pw, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatalf("Unlock with the right password: %v", err)
	}
	if _, err := l.Sign(csr, ca.SignOptions{}); err != nil {
		t.Fatalf("Sign with the right password: %v", err)
	}
}

// TestInitTwice: a second Init is refused unless forced; forcing replaces
// the CA and keeps the certificates the old one issued.
func TestInitTwice(t *testing.T) {
	st := newStore(t)
	first, err := ca.Init(st, ca.InitOptions{}, ca.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.Issue(ca.IssueRequest{Names: []string{"old.test"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Init(st, ca.InitOptions{KeyType: "ed25519"}, ca.Options{}); !errors.Is(err, store.ErrCAExists) {
		t.Fatalf("second Init = %v, want store.ErrCAExists", err)
	}
	if _, inter, _ := st.CA(); inter.ID != first.IntermediateID() {
		t.Fatalf("a refused Init changed the CA")
	}
	second, err := ca.Init(st, ca.InitOptions{KeyType: "ed25519", Force: true, Name: "Second Root"}, ca.Options{})
	if err != nil {
		t.Fatalf("Init --force: %v", err)
	}
	if second.Root().Subject.CommonName != "Second Root" || second.IntermediateID() == first.IntermediateID() {
		t.Errorf("forced Init did not replace the CA")
	}
	if n, _ := st.CountCerts(); n != 1 {
		t.Errorf("%d certificates after a forced Init, want the old one kept", n)
	}
}

// TestInitBadKeyType stores nothing.
func TestInitBadKeyType(t *testing.T) {
	st := newStore(t)
	if _, err := ca.Init(st, ca.InitOptions{KeyType: "rsa-1024"}, ca.Options{}); !errors.Is(err, ca.ErrUnknownKeyType) {
		t.Fatalf("Init rsa-1024 = %v, want ErrUnknownKeyType", err)
	}
	if _, _, err := st.CA(); !errors.Is(err, store.ErrNoCA) {
		t.Errorf("st.CA() after a refused Init = %v, want ErrNoCA", err)
	}
}
