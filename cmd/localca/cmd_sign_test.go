package main

import (
	"bytes"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// opensslKeys are keys in every form openssl writes, made by the real tool
// at run time; "KEY" and "PW" stand for the key file and the password file.
var opensslKeys = []struct {
	name      string
	args      []string
	encrypted bool
}{
	{"rsa pkcs8", []string{"genrsa", "-out", "KEY", "2048"}, false},
	{"rsa pkcs1", []string{"genrsa", "-traditional", "-out", "KEY", "2048"}, false},
	{"ec p256 sec1", []string{"ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "KEY"}, false},
	{"ec p384 sec1", []string{"ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "KEY"}, false},
	{"ec p256 pkcs8", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "KEY"}, false},
	{"ec p384 pkcs8", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "KEY"}, false},
	{"ed25519", []string{"genpkey", "-algorithm", "ed25519", "-out", "KEY"}, false},
	{"ec p256 pkcs8 aes256", []string{"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256", "-pass", "file:PW", "-out", "KEY"}, true},
	{"rsa pkcs8 aes256", []string{"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes256", "-pass", "file:PW", "-out", "KEY"}, true},
}

// opensslKey makes one of opensslKeys in the output folder and returns its
// path and the password file.
func (h *home) opensslKey(i int) (key, pw string) {
	h.t.Helper()
	k := opensslKeys[i]
	base := strings.NewReplacer(" ", "_").Replace(k.name)
	key, pw = h.path(base+".key"), h.write(base+".pw", []byte("pass phrase\n"))
	args := make([]string, len(k.args))
	for j, a := range k.args {
		args[j] = strings.NewReplacer("KEY", key, "PW", pw).Replace(a)
	}
	testkit.MustRun(h.t, "openssl", args...)
	return key, pw
}

// TestCSRCreateWithOpenSSLKeys: csr create --key accepts every openssl key
// form (the encrypted ones with --password-file), openssl req -verify
// accepts the CSR, sign --csr signs it, and openssl verifies the result.
func TestCSRCreateWithOpenSSLKeys(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	h := newHome(t)
	h.initCA()
	for i, k := range opensslKeys {
		t.Run(k.name, func(t *testing.T) {
			key, pw := h.opensslKey(i)
			csr := h.path(filepath.Base(key) + ".csr")
			args := []string{"csr", "create", "--key", key, "--subject", "/CN=k.test/O=Acme", "--san", "k.test", "--san", "127.0.0.1", "--out", csr}
			if k.encrypted {
				h.fail(1, "password", args...)
				args = append(args, "--password-file", pw)
			}
			h.ok(args...)
			if out := testkit.MustRun(t, "openssl", "req", "-in", csr, "-verify", "-noout"); !strings.Contains(out, "verify OK") {
				t.Errorf("openssl req -verify: %s", out)
			}
			crt := csr + ".pem"
			h.ok("sign", "--csr", csr, "--out", crt)
			h.verify(crt, "sslserver")
			// The certificate is for the key openssl made.
			if a, b := testkit.MustRun(t, "openssl", "x509", "-in", crt, "-noout", "-pubkey"), opensslPub(t, key, pw); a != b {
				t.Errorf("certificate key differs from %s", key)
			}
		})
	}
}

func opensslPub(t *testing.T, key, pw string) string {
	return testkit.MustRun(t, "openssl", "pkey", "-in", key, "-passin", "file:"+pw, "-pubout")
}

// TestSignOpenSSLCSRs: sign --csr signs what openssl req -newkey makes, for
// each key type; --chain adds the intermediate; a CSR asking for CA:FALSE,
// nonRepudiation and codeSigning gets a plain server leaf. (One asking for
// CA:TRUE or keyCertSign is refused: TestHostileInput and
// TestSignRefusesOpenSSLCARequest.)
func TestSignOpenSSLCSRs(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	h := newHome(t)
	h.initCA("--key-type", "ecdsa-p384")
	evil := []string{"-addext", "basicConstraints=critical,CA:FALSE", "-addext", "keyUsage=critical,nonRepudiation,digitalSignature", "-addext", "extendedKeyUsage=codeSigning"}
	tests := []struct {
		name   string
		newkey []string
		extra  []string
	}{
		{"rsa", []string{"-newkey", "rsa:2048"}, nil},
		{"ec-p256", []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"}, nil},
		{"ec-p384", []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"}, nil},
		{"ed25519", []string{"-newkey", "ed25519"}, nil},
		{"asks-for-odd-usages", []string{"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"}, evil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			csr := h.path(tt.name + ".csr")
			args := append([]string{"req", "-new", "-nodes", "-keyout", csr + ".key", "-out", csr, "-subj", "/CN=" + tt.name + ".test",
				"-addext", "subjectAltName=DNS:" + tt.name + ".test"}, tt.newkey...)
			testkit.MustRun(t, "openssl", append(args, tt.extra...)...)
			out := h.ok("sign", "--csr", csr, "--chain")
			chain := certs(t, []byte(out))
			if len(chain) != 2 || !chain[1].IsCA || chain[0].IsCA {
				t.Fatalf("sign --chain printed %d certificates, want the leaf then the intermediate", len(chain))
			}
			crt := h.write(tt.name+".pem", []byte(out))
			h.verify(crt, "sslserver")
			ext := testkit.MustRun(t, "openssl", "x509", "-in", crt, "-noout", "-ext", "basicConstraints,keyUsage,extendedKeyUsage")
			if !strings.Contains(ext, "CA:FALSE") || strings.Contains(ext, "Non Repudiation") || strings.Contains(ext, "Code Signing") || !strings.Contains(ext, "TLS Web Server Authentication") {
				t.Errorf("openssl sees:\n%s", ext)
			}
			if n := len(h.listJSON("--name", tt.name+".test")); n != 1 {
				t.Errorf("%d certificates for %s.test in the store, want 1", n, tt.name)
			}
		})
	}
}

// TestSignRefusesOpenSSLCARequest: a CSR that openssl req made asking for
// CA:TRUE and keyCertSign, cRLSign is refused, naming each request, and
// nothing is stored.
func TestSignRefusesOpenSSLCARequest(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	h := newHome(t)
	h.initCA()
	csr := h.path("ca.csr")
	testkit.MustRun(t, "openssl", "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-keyout", csr+".key", "-out", csr,
		"-subj", "/CN=ca.test", "-addext", "subjectAltName=DNS:ca.test",
		"-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
	h.unchanged(1, "CSR requests CA:TRUE (basicConstraints), keyCertSign (keyUsage), cRLSign (keyUsage); localca issues only leaf certificates from CSRs",
		"sign", "--csr", csr)
}

// TestSignCommitsBeforeWriting: sign --out into a missing folder fails, and
// the certificate is in the store all the same.
func TestSignCommitsBeforeWriting(t *testing.T) {
	h := newHome(t)
	h.initCA()
	key := h.write("k.pem", mustKeyPEM(t))
	h.ok("csr", "create", "--key", key, "--cn", "w.test", "--out", h.path("w.csr"))
	h.fail(1, "no/such", "sign", "--csr", h.path("w.csr"), "--out", h.path("no/such/w.pem"))
	if n := len(h.listJSON("--name", "w.test")); n != 1 {
		t.Errorf("%d certificates for w.test in the store after a failed write, want 1", n)
	}
}

// mustKeyPEM is `localca key create` into a buffer, run in a throwaway home.
func mustKeyPEM(t *testing.T) []byte {
	t.Helper()
	h := newHome(t)
	return []byte(h.ok("key", "create", "--type", "ecdsa"))
}

// TestSignBadInput: every bad input names its problem, exits 1 (2 for a
// usage error), and leaves the store unchanged.
func TestSignBadInput(t *testing.T) {
	h := newHome(t)
	h.initCA()
	key := h.write("k.pem", mustKeyPEM(t))
	good := h.ok("csr", "create", "--key", key, "--cn", "good.test")
	block, _ := pem.Decode([]byte(good))
	bad := bytes.Clone(block.Bytes)
	bad[len(bad)-3] ^= 0x55
	public := h.ok("csr", "create", "--key", key, "--cn", "example.com")
	files := map[string][]byte{
		"badsig.csr":    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: bad}),
		"badsig.der":    bad,
		"truncated.csr": []byte(good[:len(good)/2]),
		"cert.csr":      h.read("root.pem"),
		"key.csr":       []byte(mustKeyPEM(t)),
		"garbage.csr":   []byte("hello, world\n"),
		"empty.csr":     nil,
		"public.csr":    []byte(public),
	}
	for name, data := range files {
		h.write(name, data)
	}
	tests := []struct {
		name string
		code int
		want string
		args []string
	}{
		{"corrupted signature", 1, "signature does not verify", []string{"sign", "--csr", h.path("badsig.csr")}},
		{"corrupted signature DER", 1, "signature does not verify", []string{"sign", "--csr", h.path("badsig.der")}},
		{"truncated PEM", 1, "truncated", []string{"sign", "--csr", h.path("truncated.csr")}},
		{"a certificate", 1, `PEM block is "CERTIFICATE"`, []string{"sign", "--csr", h.path("cert.csr")}},
		{"a key", 1, `PEM block is "PRIVATE KEY"`, []string{"sign", "--csr", h.path("key.csr")}},
		{"garbage", 1, "malformed CSR", []string{"sign", "--csr", h.path("garbage.csr")}},
		{"empty", 1, "malformed CSR", []string{"sign", "--csr", h.path("empty.csr")}},
		{"missing file", 1, "no such file", []string{"sign", "--csr", h.path("nope.csr")}},
		{"policy refusal", 1, `"example.com" is not allowed`, []string{"sign", "--csr", h.path("public.csr")}},
		{"unknown profile", 1, "unknown profile", []string{"sign", "--csr", h.path("public.csr"), "--profile", "admin"}},
		{"too long", 1, "validity", []string{"sign", "--days", "5000", "--csr", h.path("public.csr")}},
		{"no --csr", 2, "csr", []string{"sign"}},
		{"--key without --self-signed", 2, "--self-signed", []string{"sign", "--csr", h.path("public.csr"), "--key", key}},
		{"negative days", 2, "--days", []string{"sign", "--days", "-3", "--csr", h.path("public.csr")}},
		{"self-signed without key", 2, "--key", []string{"sign", "--self-signed", "--csr", h.path("public.csr")}},
		{"csr create: bad subject", 2, "must start with /", []string{"csr", "create", "--key", key, "--subject", "CN=x.test"}},
		{"csr create: no name", 2, "--cn", []string{"csr", "create", "--key", key}},
		{"csr create: truncated key", 1, "malformed PEM", []string{"csr", "create", "--key", h.path("truncated.csr"), "--cn", "x.test"}},
		{"csr create: a certificate as key", 1, `"CERTIFICATE"`, []string{"csr", "create", "--key", h.path("root.pem"), "--cn", "x.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.unchanged(tt.code, tt.want, tt.args...)
		})
	}
}

// TestSelfSigned: sign --self-signed makes a certificate that openssl
// accepts as its own trust anchor, and refuses a key that is not the CSR's.
func TestSelfSigned(t *testing.T) {
	h := newHome(t)
	key := h.write("k.pem", mustKeyPEM(t))
	other := h.write("other.pem", mustKeyPEM(t))
	h.ok("csr", "create", "--key", key, "--cn", "self.test", "--san", "self.test", "--out", h.path("self.csr"))
	h.ok("sign", "--self-signed", "--key", key, "--csr", h.path("self.csr"), "--out", h.path("self.pem"))
	if out := testkit.MustRun(t, "openssl", "verify", "-CAfile", h.path("self.pem"), h.path("self.pem")); !strings.Contains(out, ": OK") {
		t.Errorf("openssl verify: %s", out)
	}
	c := certs(t, h.read("self.pem"))[0]
	if c.IsCA || c.Subject.String() != c.Issuer.String() || c.DNSNames[0] != "self.test" {
		t.Errorf("self-signed: IsCA %v subject %s issuer %s names %v", c.IsCA, c.Subject, c.Issuer, c.DNSNames)
	}
	if n := len(h.listJSON("--name", "self.test")); n != 1 {
		t.Errorf("the self-signed certificate is not in the store")
	}
	h.unchanged(1, "does not match", "sign", "--self-signed", "--key", other, "--csr", h.path("self.csr"))
	if _, err := os.Stat(h.path("self.csr")); err != nil {
		t.Fatal(err)
	}
}
