package ca_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/testkit"
	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
)

// basicConstraints as a CSR requests it.
type basicConstraints struct {
	IsCA       bool `asn1:"optional"`
	MaxPathLen int  `asn1:"optional,default:-1"`
}

// keyUsageExt is a keyUsage extension with the given bits set (bit 0 is
// digitalSignature, 5 keyCertSign, 6 cRLSign).
func keyUsageExt(t *testing.T, bits ...int) pkix.Extension {
	t.Helper()
	b := make([]byte, 2)
	n := 0
	for _, i := range bits {
		b[i/8] |= 0x80 >> (i % 8)
		n = max(n, i+1)
	}
	return mustExt(t, oidKeyUsage, true, asn1.BitString{Bytes: b[:(n+7)/8], BitLength: n})
}

// TestCheckCSRRefusals: a CSR that asks for CA powers, or is signed with
// SHA-1, or carries more than policies.MaxNames names, is refused with an
// error that names what it asked for, by Sign and by SignRequest (for a
// CSR parsed without ParseCSR), and nothing reaches the store: no
// certificate, no CSR record, no event.
func TestCheckCSRRefusals(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	ec := newKey(t, "ecdsa-p256")
	rsaKey := newKey(t, "rsa-2048")
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	many := make([]string, 10000)
	for i := range many {
		many[i] = fmt.Sprintf("n%d.test", i)
	}
	tests := []struct {
		name string
		csr  []byte
		want error
		says []string
	}{
		{"CA:TRUE", csrPEM(t, ec, &x509.CertificateRequest{DNSNames: []string{"a.test"},
			ExtraExtensions: []pkix.Extension{mustExt(t, oidBasicConstraints, true, basicConstraints{IsCA: true, MaxPathLen: 5})}}),
			ca.ErrCSRRequestsCA, []string{"CSR requests CA:TRUE (basicConstraints); localca issues only leaf certificates from CSRs"}},
		{"keyCertSign", csrPEM(t, ec, &x509.CertificateRequest{DNSNames: []string{"a.test"},
			ExtraExtensions: []pkix.Extension{keyUsageExt(t, 0, 5)}}),
			ca.ErrCSRRequestsCA, []string{"CSR requests keyCertSign (keyUsage)", "only leaf certificates"}},
		{"cRLSign", csrPEM(t, ec, &x509.CertificateRequest{DNSNames: []string{"a.test"},
			ExtraExtensions: []pkix.Extension{keyUsageExt(t, 6)}}),
			ca.ErrCSRRequestsCA, []string{"CSR requests cRLSign (keyUsage)"}},
		{"all of them", csrPEM(t, ec, &x509.CertificateRequest{DNSNames: []string{"a.test"},
			ExtraExtensions: []pkix.Extension{mustExt(t, oidBasicConstraints, true, basicConstraints{IsCA: true}), keyUsageExt(t, 5, 6)}}),
			ca.ErrCSRRequestsCA, []string{"CA:TRUE (basicConstraints), keyCertSign (keyUsage), cRLSign (keyUsage)"}},
		{"damaged basicConstraints", csrPEM(t, ec, &x509.CertificateRequest{DNSNames: []string{"a.test"},
			ExtraExtensions: []pkix.Extension{{Id: oidBasicConstraints, Value: []byte{0x30, 0x05, 0x01}}}}),
			ca.ErrBadCSR, []string{"basicConstraints"}},
		{"SHA1-RSA", csrPEM(t, rsaKey, &x509.CertificateRequest{DNSNames: []string{"a.test"}, SignatureAlgorithm: x509.SHA1WithRSA}),
			ca.ErrWeakSignature, []string{"SHA1-RSA", "SHA-1"}},
		{"ECDSA-SHA1", csrPEM(t, ecKey, &x509.CertificateRequest{DNSNames: []string{"a.test"}, SignatureAlgorithm: x509.ECDSAWithSHA1}),
			ca.ErrWeakSignature, []string{"ECDSA-SHA1", "SHA-1"}},
		{"10,000 names", csrPEM(t, ec, &x509.CertificateRequest{DNSNames: many}),
			policies.ErrRefused, []string{"10000 subject alternative names", fmt.Sprintf("at most %d", policies.MaxNames)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := c.Sign(tt.csr, ca.SignOptions{})
			if !errors.Is(err, tt.want) || iss != nil {
				t.Fatalf("Sign = %v, %v; want %v", iss, err, tt.want)
			}
			for _, s := range tt.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			// SignRequest checks again, for a CSR that skipped ParseCSR.
			block, _ := pem.Decode(tt.csr)
			raw, perr := x509.ParseCertificateRequest(block.Bytes)
			if perr != nil {
				t.Fatal(perr)
			}
			if iss, err := c.SignRequest(raw, ca.SignOptions{}); !errors.Is(err, tt.want) || iss != nil {
				t.Errorf("SignRequest = %v, %v; want %v", iss, err, tt.want)
			}
			id := sha256.Sum256(block.Bytes)
			if _, err := c.Store().CSR(id[:]); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("the refused CSR is in the store (%v)", err)
			}
		})
	}
	nothingIssued(t, c)
}

// TestCheckCSRAllowsLeafRequests: asking for CA:FALSE, for a path length
// without CA:TRUE, or for leaf key usages is no reason to refuse.
func TestCheckCSRAllowsLeafRequests(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	key := newKey(t, "ecdsa-p256")
	for name, exts := range map[string][]pkix.Extension{
		"CA:FALSE":          {mustExt(t, oidBasicConstraints, true, basicConstraints{})},
		"CA:FALSE, pathlen": {mustExt(t, oidBasicConstraints, true, basicConstraints{MaxPathLen: 2})},
		"leaf key usages":   {keyUsageExt(t, 0, 1, 2, 3, 4)},
	} {
		t.Run(name, func(t *testing.T) {
			iss, err := c.Sign(csrPEM(t, key, &x509.CertificateRequest{DNSNames: []string{"leaf.test"}, ExtraExtensions: exts}), ca.SignOptions{})
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if iss.Cert.IsCA || iss.Cert.KeyUsage != x509.KeyUsageDigitalSignature {
				t.Errorf("IsCA=%v KeyUsage=%b, want a digitalSignature leaf", iss.Cert.IsCA, iss.Cert.KeyUsage)
			}
		})
	}
}

// TestCheckCSROpenSSL: CSRs made by openssl req that ask for CA powers, or
// are signed with -sha1, are refused the same way.
func TestCheckCSROpenSSL(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	c := newCA(t, "ecdsa-p256")
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want error
		says string
	}{
		{"CA:TRUE", []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-addext", "basicConstraints=critical,CA:TRUE,pathlen:3"},
			ca.ErrCSRRequestsCA, "CA:TRUE (basicConstraints)"},
		{"keyCertSign", []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"},
			ca.ErrCSRRequestsCA, "keyCertSign (keyUsage), cRLSign (keyUsage)"},
		{"sha1", []string{"-newkey", "rsa:2048", "-sha1"}, ca.ErrWeakSignature, "SHA1-RSA"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := filepath.Join(dir, fmt.Sprintf("%d.csr", i))
			testkit.MustRun(t, "openssl", append([]string{"req", "-new", "-nodes", "-keyout", req + ".key", "-out", req,
				"-subj", "/CN=ossl.test", "-addext", "subjectAltName=DNS:ossl.test"}, tt.args...)...)
			data, err := os.ReadFile(req)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Sign(data, ca.SignOptions{}); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("Sign: %v; want %v saying %q", err, tt.want, tt.says)
			}
		})
	}
	nothingIssued(t, c)
}
