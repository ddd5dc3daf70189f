package ca_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/testkit"
)

// TestLeakedIntermediateCannotMintPublicNames takes the intermediate that
// Init made, and its key from the store, and signs leaves directly,
// bypassing the policy as a thief holding the key would. Clients must still
// refuse the public names: the name constraints, not the policy, are what
// make an unencrypted dev CA safe to keep.
func TestLeakedIntermediateCannotMintPublicNames(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	_, inter, err := c.Store().CA()
	if err != nil {
		t.Fatal(err)
	}
	key, err := ca.ParseKey(inter.KeyPEM, nil)
	if err != nil {
		t.Fatalf("intermediate key: %v", err)
	}
	leafKey := newKey(t, "ecdsa-p256")
	mint := func(dns []string, ips []net.IP) *x509.Certificate {
		t.Helper()
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(time.Now().UnixNano()),
			NotBefore:    time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			DNSNames: dns, IPAddresses: ips,
		}
		if len(dns) > 0 {
			tmpl.Subject = pkix.Name{CommonName: dns[0]}
		}
		der, err := x509.CreateCertificate(nil, tmpl, c.Intermediate(), leafKey.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return cert
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(c.Root())
	inters.AddCert(c.Intermediate())
	dir := t.TempDir()
	rootFile := writeFile(t, dir, "root.pem", certPEM(c.Root()))
	interFile := writeFile(t, dir, "inter.pem", certPEM(c.Intermediate()))

	tests := []struct {
		name  string
		dns   []string
		ips   []net.IP
		valid bool
	}{
		{"allowed dev name", []string{"api.localca.test"}, nil, true},
		{"localhost and loopback", []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}, true},
		{"public name", []string{"example.com"}, nil, false},
		{"public wildcard", []string{"*.google.com"}, nil, false},
		{"dev name with a public one", []string{"api.test", "bank.example"}, nil, false},
		{"public IP", nil, []net.IP{net.ParseIP("8.8.8.8")}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaf := mint(tt.dns, tt.ips)
			_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters})
			if (err == nil) != tt.valid {
				t.Fatalf("Go verify: %v, want valid=%v", err, tt.valid)
			}
			if _, ok := err.(x509.CertificateInvalidError); err != nil && (!ok || !strings.Contains(err.Error(), "constraint")) {
				t.Errorf("Go verify refused for another reason: %v", err)
			}
			leafFile := writeFile(t, dir, strings.ReplaceAll(tt.name, " ", "_")+".pem", certPEM(leaf))
			out, err := exec.Command(testkit.NeedTool(t, "openssl"), "verify", "-CAfile", rootFile, "-untrusted", interFile, filepath.Clean(leafFile)).CombinedOutput()
			switch {
			case tt.valid && err != nil:
				t.Fatalf("openssl verify refused an allowed name: %v\n%s", err, out)
			case !tt.valid && (err == nil || !strings.Contains(string(out), "subtree violation")):
				t.Fatalf("openssl verify: %v\n%s\nwant a subtree violation", err, out)
			}
		})
	}
}
