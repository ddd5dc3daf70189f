package main

// Hostile input: every row is something an attacker or a slip of the
// finger hands the CLI. Each must be refused with exit 1, a message that
// says what is wrong (and names the file where there is one), and the store
// exactly as it was. Every input is made at run time.

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostileKey generates a throwaway key for a hostile CSR.
func hostileKey(t *testing.T, rsaBits int) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	if rsaBits > 0 {
		k, err = rsa.GenerateKey(rand.Reader, rsaBits)
	} else {
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// hostileCSR signs tmpl with key and returns the DER.
func hostileCSR(t *testing.T, key crypto.Signer, tmpl *x509.CertificateRequest) []byte {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatalf("CreateCertificateRequest: %v", err)
	}
	return der
}

func csrPEMOf(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// requestExt is a CSR extension (what the requester asks for).
func requestExt(t *testing.T, oid asn1.ObjectIdentifier, v any) pkix.Extension {
	t.Helper()
	der, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oid, Critical: true, Value: der}
}

// hugePEM is a PEM block of about size bytes of base64: well-formed lines,
// just far too many of them.
func hugePEM(typ string, size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 128)
	b.WriteString("-----BEGIN " + typ + "-----\n")
	line := strings.Repeat("QUFB", 16) + "\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	b.WriteString("-----END " + typ + "-----\n")
	return b.Bytes()
}

// TestHostileInput is the table of issue 8's hostile inputs that the CLI
// reads from files: each row runs one command and wants exit 1, every
// fragment on stderr, and the store unchanged (records, indexes, events).
func TestHostileInput(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	h.initCA()
	const keyPassword = "Quokka-Saffron-4417-keypw"
	const wrongPassword = "Marmot-Tangerine-9932-wrong"
	pwFile := h.write("key.pw", []byte(keyPassword+"\n"))
	wrongFile := h.write("wrong.pw", []byte(wrongPassword+"\n"))
	h.ok("key", "create", "--encrypt", "--password-file", pwFile, "--out", h.path("enc-key.pem"))
	h.ok("key", "create", "--out", h.path("plain-key.pem"))
	h.ok("csr", "create", "--key", h.path("plain-key.pem"), "--cn", "good.test", "--out", h.path("good.csr"))

	ec := hostileKey(t, 0)
	leaf := func(exts ...pkix.Extension) []byte {
		return hostileCSR(t, ec, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "evil.test"}, DNSNames: []string{"evil.test"}, ExtraExtensions: exts})
	}
	type bc struct {
		IsCA       bool `asn1:"optional"`
		MaxPathLen int  `asn1:"optional,default:-1"`
	}
	oidBC, oidKU := asn1.ObjectIdentifier{2, 5, 29, 19}, asn1.ObjectIdentifier{2, 5, 29, 15}

	good := h.read("good.csr")
	badSig := leaf()
	badSig[len(badSig)-1] ^= 0xff // the last byte of the signature
	many := make([]string, 10000)
	for i := range many {
		many[i] = fmt.Sprintf("host%d.test", i)
	}
	files := map[string][]byte{
		"malformed.csr":    []byte("this is not a CSR at all\n"),
		"truncated.csr":    good[:len(good)/2],
		"cert.csr":         h.read("root.pem"),
		"huge.csr":         hugePEM("CERTIFICATE REQUEST", 10<<20),
		"huge-key.pem":     hugePEM("PRIVATE KEY", 10<<20),
		"many-sans.csr":    csrPEMOf(hostileCSR(t, ec, &x509.CertificateRequest{DNSNames: many})),
		"bad-sig.csr":      csrPEMOf(badSig),
		"ca-true.csr":      csrPEMOf(leaf(requestExt(t, oidBC, bc{IsCA: true}))),
		"keycertsign.csr":  csrPEMOf(leaf(requestExt(t, oidKU, asn1.BitString{Bytes: []byte{0x86}, BitLength: 7}))),
		"sha1.csr":         csrPEMOf(hostileCSR(t, hostileKey(t, 2048), &x509.CertificateRequest{DNSNames: []string{"sha1.test"}, SignatureAlgorithm: x509.SHA1WithRSA})),
		"rsa1024.csr":      csrPEMOf(hostileCSR(t, hostileKey(t, 1024), &x509.CertificateRequest{DNSNames: []string{"weak.test"}})),
		"garbage.toml":     []byte("[profiles.server\nvalidity = \x00\xff\xfe garbage\n"),
		"unknown-key.toml": []byte("[profiles.server]\nallow_everything = true\n"),
	}
	for name, data := range files {
		h.write(name, data)
	}
	p := h.path

	tests := []struct {
		name string
		args []string
		says []string
	}{
		{"malformed PEM", []string{"sign", "--csr", p("malformed.csr")}, []string{"malformed.csr", "no PEM block"}},
		{"truncated PEM", []string{"sign", "--csr", p("truncated.csr")}, []string{"truncated.csr", "truncated"}},
		{"not a CSR", []string{"sign", "--csr", p("cert.csr")}, []string{"cert.csr", `"CERTIFICATE", want CERTIFICATE REQUEST`}},
		{"10 MB CSR", []string{"sign", "--csr", p("huge.csr")}, []string{"huge.csr", "over 1 MiB"}},
		{"10 MB key to import", []string{"key", "import", p("huge-key.pem")}, []string{"huge-key.pem", "over 1 MiB"}},
		{"10 MB key for csr create", []string{"csr", "create", "--key", p("huge-key.pem"), "--cn", "a.test"}, []string{"huge-key.pem", "over 1 MiB"}},
		{"10 MB file to show", []string{"show", p("huge.csr")}, []string{"huge.csr", "over 1 MiB"}},
		{"10,000 SANs", []string{"sign", "--csr", p("many-sans.csr")}, []string{"10000 subject alternative names", "at most 100"}},
		{"10,000 SANs, policy check", []string{"policy", "check", "--csr", p("many-sans.csr")}, []string{"10000 subject alternative names", "at most 100"}},
		{"bad signature", []string{"sign", "--csr", p("bad-sig.csr")}, []string{"bad-sig.csr", "signature does not verify"}},
		{"CA:TRUE", []string{"sign", "--csr", p("ca-true.csr")}, []string{"ca-true.csr", "CSR requests CA:TRUE (basicConstraints); localca issues only leaf certificates from CSRs"}},
		{"CA:TRUE, client profile", []string{"sign", "--csr", p("ca-true.csr"), "--profile", "client"}, []string{"CA:TRUE (basicConstraints)"}},
		{"CA:TRUE, self-signed", []string{"sign", "--self-signed", "--key", p("plain-key.pem"), "--csr", p("ca-true.csr")}, []string{"CA:TRUE (basicConstraints)"}},
		{"keyCertSign and cRLSign", []string{"sign", "--csr", p("keycertsign.csr")}, []string{"keyCertSign (keyUsage), cRLSign (keyUsage)", "only leaf certificates"}},
		{"SHA-1 signature", []string{"sign", "--csr", p("sha1.csr")}, []string{"sha1.csr", "SHA1-RSA", "SHA-1"}},
		{"RSA-1024", []string{"sign", "--csr", p("rsa1024.csr")}, []string{"RSA key of 1024 bits is too small", "key.rsa_min_bits: 2048"}},
		{"wrong key password, key import", []string{"key", "import", p("enc-key.pem"), "--password-file", wrongFile}, []string{"enc-key.pem", "wrong password"}},
		{"wrong key password, csr create", []string{"csr", "create", "--key", p("enc-key.pem"), "--cn", "a.test", "--password-file", wrongFile, "--out", p("never.csr")}, []string{"enc-key.pem", "wrong password"}},
		{"policy file with garbage", []string{"sign", "--csr", p("good.csr"), "--policy", p("garbage.toml")}, []string{"garbage.toml", "policy"}},
		{"policy file with an unknown key", []string{"sign", "--csr", p("good.csr"), "--policy", p("unknown-key.toml")}, []string{"unknown-key.toml", "allow_everything"}},
		{"10 MB policy file", []string{"sign", "--csr", p("good.csr"), "--policy", p("huge.csr")}, []string{"huge.csr", "1 MiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := h.in(t)
			before := h.snapshot()
			r := h.run(tt.args...)
			if r.code != exitFailure {
				t.Errorf("exit %d, want %d: %s", r.code, exitFailure, r)
			}
			for _, s := range tt.says {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr does not say %q: %s", s, r)
				}
			}
			for _, pw := range []string{keyPassword, wrongPassword} {
				if strings.Contains(r.stdout+r.stderr, pw) {
					t.Errorf("the output shows a password: %s", r)
				}
			}
			if r.stdout != "" {
				t.Errorf("a refusal wrote to stdout: %q", r.stdout)
			}
			if after := h.snapshot(); after != before {
				t.Errorf("the store changed")
			}
		})
	}
	if _, err := os.Stat(p("never.csr")); err == nil {
		t.Errorf("csr create with a wrong password wrote its output file")
	}
	if entries, _ := filepath.Glob(filepath.Join(h.out, "*.tmp*")); len(entries) > 0 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}
