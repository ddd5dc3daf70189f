package main

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// readCert parses the first certificate of a PEM file.
func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRenew: renew FILE writes a successor over FILE and its key file (a
// new key, the same names, profile and validity length) that openssl
// verifies and pairs with its key; renew SERIAL --reuse-key --revoke-old
// writes as issue does, certifies the same key again, and puts the old
// certificate on the CRL as superseded, which openssl -crl_check then
// refuses.
func TestRenew(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	h := newHome(t)
	h.initCA()
	out := h.ok("issue", "--out-dir", h.out, "--days", "30", "app.test", "127.0.0.1", "alt.app.test")
	first := issued{cert: h.path("app.test.pem"), key: h.path("app.test-key.pem"), serial: issuedSerial.FindStringSubmatch(out)[1]}
	oldCert := readCert(t, first.cert)
	oldKey, _ := os.ReadFile(first.key)

	out = h.ok("renew", first.cert)
	renewed := readCert(t, first.cert)
	newKey, _ := os.ReadFile(first.key)
	if want := "Renewed " + first.serial + " as "; !strings.Contains(out, want) {
		t.Errorf("renew says %q, want %q", out, want)
	}
	if renewed.SerialNumber.Cmp(oldCert.SerialNumber) == 0 || bytes.Equal(newKey, oldKey) {
		t.Fatalf("renew FILE left the certificate or the key as they were")
	}
	if !slices.Equal(sansOf(renewed), sansOf(oldCert)) || renewed.Subject.CommonName != "app.test" {
		t.Errorf("renewed names %v (CN %q), want %v", sansOf(renewed), renewed.Subject.CommonName, sansOf(oldCert))
	}
	if got, want := renewed.NotAfter.Sub(renewed.NotBefore), oldCert.NotAfter.Sub(oldCert.NotBefore); got != want {
		t.Errorf("renewed validity %s, want %s", got, want)
	}
	testkit.MustRun(t, "openssl", "verify", "-purpose", "sslserver", "-CAfile", h.path("root.pem"), "-untrusted", first.cert, first.cert)
	if a, b := testkit.MustRun(t, "openssl", "x509", "-in", first.cert, "-noout", "-pubkey"), testkit.MustRun(t, "openssl", "pkey", "-in", first.key, "-pubout"); a != b {
		t.Fatal("the renewed certificate is not the key file's")
	}
	if fi, err := os.Stat(first.key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file %v, %v; want 0600", fi, err)
	}

	// By serial, the same key again, the old one revoked as superseded.
	dir := t.TempDir()
	serial := strings.ToUpper(renewed.SerialNumber.Text(16))
	if len(serial)%2 == 1 {
		serial = "0" + serial
	}
	h.ok("renew", serial, "--reuse-key", "--revoke-old", "--out-dir", dir)
	again := filepath.Join(dir, "app.test.pem")
	if k, _ := os.ReadFile(filepath.Join(dir, "app.test-key.pem")); !bytes.Equal(k, newKey) {
		t.Error("--reuse-key wrote another key")
	}
	if a, b := readCert(t, again).PublicKey, renewed.PublicKey; !publicKeysEqual(a, b) {
		t.Error("--reuse-key certified another key")
	}
	h.ok("crl", "--out", h.path("ca.crl"))
	crl := testkit.MustRun(t, "openssl", "crl", "-in", h.path("ca.crl"), "-noout", "-text")
	if !strings.Contains(crl, serial) || !strings.Contains(crl, "Superseded") {
		t.Errorf("the CRL does not list %s as superseded:\n%s", serial, crl)
	}
	args := []string{"verify", "-crl_check", "-CAfile", h.path("root.pem"), "-untrusted", h.path("intermediate.pem"), "-CRLfile", h.path("ca.crl")}
	testkit.MustRun(t, "openssl", append(args, again)...)
	if r := testkit.Run(t, nil, "", "openssl", append(args, first.cert)...); r.Code == 0 || !strings.Contains(r.Output(), "revoked") {
		t.Errorf("openssl accepts the superseded certificate: %s", r.Output())
	}

	// A peer certificate with an Ed25519 key stays both.
	peer := h.issue(h.out, "peer.test", "--profile", "peer", "--key-type", "ed25519")
	h.ok("renew", peer.cert)
	p := readCert(t, peer.cert)
	if p.PublicKeyAlgorithm != x509.Ed25519 || len(p.ExtKeyUsage) != 2 {
		t.Errorf("renewed peer: %v key, EKU %v", p.PublicKeyAlgorithm, p.ExtKeyUsage)
	}

	// What cannot be renewed: a serial the store lacks; a certificate from
	// elsewhere.
	h.fail(1, "not found", "renew", "0A0B0C")
	h.fail(2, "neither a file nor a serial", "renew", "no-such-file.pem")
}

func publicKeysEqual(a, b any) bool {
	x, err1 := x509.MarshalPKIXPublicKey(a)
	y, err2 := x509.MarshalPKIXPublicKey(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// sansOf lists a certificate's names in the order the CLI prints them.
func sansOf(cert *x509.Certificate) []string {
	out := append([]string(nil), cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		out = append(out, ip.String())
	}
	out = append(out, cert.EmailAddresses...)
	for _, u := range cert.URIs {
		out = append(out, u.String())
	}
	return out
}
