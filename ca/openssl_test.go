package ca_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/testkit"
)

// TestOpenSSLVerifiesChain issues a leaf of each profile under a CA of each
// --key-type and has openssl verify it against the root, with the
// intermediate as the untrusted link, for the profile's TLS purpose. openssl
// also enforces the intermediate's name constraints on DNS, IP and URI names.
func TestOpenSSLVerifiesChain(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	leaves := []struct {
		profile, keyType, purpose string
		names                     []string
	}{
		{"server", "ecdsa-p256", "sslserver", []string{"api.test", "*.api.test", "localhost", "127.0.0.1", "::1"}},
		{"client", "rsa-2048", "sslclient", []string{"alice.test", "alice@dev.test"}},
		{"peer", "ed25519", "sslclient", []string{"peer.internal", "spiffe://localca.test/peer", "10.1.2.3"}},
	}
	for _, caType := range ca.KeyTypes {
		t.Run(caType, func(t *testing.T) {
			t.Parallel()
			c := newCA(t, caType)
			dir := t.TempDir()
			root := writeFile(t, dir, "root.pem", certPEM(c.Root()))
			inter := writeFile(t, dir, "intermediate.pem", certPEM(c.Intermediate()))
			// The intermediate verifies against the root alone.
			testkit.MustRun(t, "openssl", "verify", "-x509_strict", "-CAfile", root, inter)
			for _, l := range leaves {
				iss, err := c.Issue(ca.IssueRequest{Names: l.names, Profile: l.profile, KeyType: l.keyType})
				if err != nil {
					t.Fatalf("Issue %s: %v", l.profile, err)
				}
				leaf := writeFile(t, dir, l.profile+".pem", iss.PEM())
				out := testkit.MustRun(t, "openssl", "verify", "-x509_strict", "-purpose", l.purpose, "-CAfile", root, "-untrusted", inter, leaf)
				if !strings.Contains(string(out), ": OK") {
					t.Errorf("openssl verify %s: %s", l.profile, out)
				}
				// The chain file (leaf then intermediate) is what servers load.
				chain := writeFile(t, dir, l.profile+"-chain.pem", iss.ChainPEM())
				testkit.MustRun(t, "openssl", "verify", "-CAfile", root, "-untrusted", chain, leaf)
			}
		})
	}
}

// TestOpenSSLVerifiesCSR: every CSR CreateCSR makes passes openssl req
// -verify, for each key type and each kind of name.
func TestOpenSSLVerifiesCSR(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	for _, kt := range []string{"ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-2048"} {
		t.Run(kt, func(t *testing.T) {
			subject, err := ca.ParseSubject(`/CN=csr.test/O=Acme\/Dev/OU=Team/C=DE/ST=Berlin/L=Berlin`)
			if err != nil {
				t.Fatal(err)
			}
			der, err := ca.CreateCSR(newKey(t, kt), ca.CSRRequest{Subject: subject,
				SANs: []string{"csr.test", "127.0.0.1", "dev@csr.test", "spiffe://localca.test/csr"}})
			if err != nil {
				t.Fatal(err)
			}
			f := writeFile(t, t.TempDir(), "req.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
			out := testkit.MustRun(t, "openssl", "req", "-in", f, "-verify", "-noout", "-subject")
			for _, want := range []string{"verify OK", "CN = csr.test", "O = Acme/Dev"} {
				if !strings.Contains(out, want) {
					t.Errorf("openssl req -verify output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

// opensslKeys are keys in every form openssl writes, each made by the real
// tool at run time. The encrypted ones use the password "pass phrase".
var opensslKeys = []struct {
	name string
	args []string // after "openssl"; "KEY" is replaced by the output file
	pw   bool
}{
	{"rsa pkcs8 (genrsa)", []string{"genrsa", "-out", "KEY", "2048"}, false},
	{"rsa pkcs1 (genrsa -traditional)", []string{"genrsa", "-traditional", "-out", "KEY", "2048"}, false},
	{"ec p256 sec1", []string{"ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "KEY"}, false},
	{"ec p384 sec1", []string{"ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "KEY"}, false},
	{"ec p256 pkcs8", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "KEY"}, false},
	{"ec p384 pkcs8", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "KEY"}, false},
	{"ed25519", []string{"genpkey", "-algorithm", "ed25519", "-out", "KEY"}, false},
	{"ec p256 encrypted pkcs8 aes256", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "file:PW", "-out", "KEY"}, true},
	{"rsa legacy encrypted pem", []string{"genrsa", "-traditional", "-aes256", "-passout", "file:PW", "-out", "KEY", "2048"}, true},
}

// TestParseOpenSSLKeys reads each openssl key form, makes a CSR with it that
// openssl verifies, and signs that CSR.
func TestParseOpenSSLKeys(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	c := newCA(t, "ecdsa-p256")
	for _, k := range opensslKeys {
		t.Run(k.name, func(t *testing.T) {
			dir := t.TempDir()
			keyFile, pwFile := filepath.Join(dir, "key.pem"), writeFile(t, dir, "pw", []byte("pass phrase\n"))
			args := make([]string, len(k.args))
			for i, a := range k.args {
				args[i] = strings.NewReplacer("KEY", keyFile, "PW", pwFile).Replace(a)
			}
			testkit.MustRun(t, "openssl", args...)
			data, err := os.ReadFile(keyFile)
			if err != nil {
				t.Fatal(err)
			}
			var pw []byte
			if k.pw {
				pw = []byte("pass phrase")
			}
			key, err := ca.ParseKey(data, pw)
			if err != nil {
				t.Fatalf("ParseKey: %v\n%s", err, data)
			}
			der, err := ca.CreateCSR(key, ca.CSRRequest{Subject: pkix.Name{CommonName: "k.test"}, SANs: []string{"k.test"}})
			if err != nil {
				t.Fatal(err)
			}
			csr := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
			testkit.MustRun(t, "openssl", "req", "-verify", "-noout", "-in", writeFile(t, dir, "req.pem", csr))
			iss, err := c.Sign(csr, ca.SignOptions{})
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if _, err := iss.Cert.Verify(x509.VerifyOptions{DNSName: "k.test", Roots: pool(c.Root()), Intermediates: pool(c.Intermediate())}); err != nil {
				t.Errorf("verify: %v", err)
			}
		})
	}
}

// TestSignOpenSSLCSR signs CSRs that openssl req -newkey made, one of them
// asking (in its extensions) for CA:FALSE, nonRepudiation and codeSigning:
// it gets the server profile's usages alone. (openssl CSRs that ask for
// CA:TRUE are refused: TestCheckCSROpenSSL.)
func TestSignOpenSSLCSR(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	c := newCA(t, "rsa-2048")
	dir := t.TempDir()
	root := writeFile(t, dir, "root.pem", certPEM(c.Root()))
	inter := writeFile(t, dir, "inter.pem", certPEM(c.Intermediate()))
	tests := []struct {
		name   string
		newkey []string
		extra  []string
	}{
		{"rsa", []string{"-newkey", "rsa:2048"}, nil},
		{"ec p256", []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"}, nil},
		{"ec p384", []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"}, nil},
		{"ed25519", []string{"-newkey", "ed25519"}, nil},
		{"asks for odd usages", []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"},
			[]string{"-addext", "basicConstraints=critical,CA:FALSE", "-addext", "keyUsage=critical,nonRepudiation,digitalSignature", "-addext", "extendedKeyUsage=codeSigning,serverAuth"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".csr")
			args := append([]string{"req", "-new", "-nodes", "-keyout", req + ".key", "-out", req, "-subj", "/CN=ossl.test",
				"-addext", "subjectAltName=DNS:ossl.test,IP:127.0.0.1"}, tt.newkey...)
			testkit.MustRun(t, "openssl", append(args, tt.extra...)...)
			data, err := os.ReadFile(req)
			if err != nil {
				t.Fatal(err)
			}
			iss, err := c.Sign(data, ca.SignOptions{Profile: "server"})
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			if iss.Cert.IsCA || iss.Cert.KeyUsage&x509.KeyUsageCertSign != 0 || len(iss.Cert.ExtKeyUsage) != 1 || iss.Cert.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
				t.Errorf("IsCA=%v KeyUsage=%b EKU=%v: want a plain server leaf", iss.Cert.IsCA, iss.Cert.KeyUsage, iss.Cert.ExtKeyUsage)
			}
			leaf := writeFile(t, dir, strings.ReplaceAll(tt.name, " ", "_")+".pem", iss.PEM())
			testkit.MustRun(t, "openssl", "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", root, "-untrusted", inter, leaf)
			// openssl reads the extensions the same way.
			ext := testkit.MustRun(t, "openssl", "x509", "-in", leaf, "-noout", "-ext", "basicConstraints,keyUsage,extendedKeyUsage")
			if !strings.Contains(ext, "CA:FALSE") || strings.Contains(ext, "Non Repudiation") || strings.Contains(ext, "Code Signing") {
				t.Errorf("openssl sees:\n%s", ext)
			}
		})
	}
}
