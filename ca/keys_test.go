package ca_test

import (
	"bytes"
	"crypto"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/testkit"
)

// TestEncodeKeyPBES2 checks that an encrypted key is PKCS#8 PBES2 ("BEGIN
// ENCRYPTED PRIVATE KEY"), never the legacy RFC 1423 form (a "Proc-Type:
// 4,ENCRYPTED" header on a traditional key), and that openssl reads it back
// with the password.
func TestEncodeKeyPBES2(t *testing.T) {
	// PBKDF2's iterations are slow under -race: two key types, in parallel.
	for _, kt := range []string{"ed25519", "rsa-2048"} {
		t.Run(kt, func(t *testing.T) {
			t.Parallel()
			key := newKey(t, kt)
			pw := []byte("correct horse")
			data, err := ca.EncodeKey(key, pw)
			if err != nil {
				t.Fatal(err)
			}
			block, rest := pem.Decode(data)
			if block == nil || len(bytes.TrimSpace(rest)) > 0 {
				t.Fatalf("not one PEM block:\n%s", data)
			}
			if block.Type != "ENCRYPTED PRIVATE KEY" || len(block.Headers) > 0 {
				t.Fatalf("PEM type %q headers %v, want ENCRYPTED PRIVATE KEY without headers", block.Type, block.Headers)
			}
			dir := t.TempDir()
			keyFile := writeFile(t, dir, "key.pem", data)
			pwFile := writeFile(t, dir, "pw", append(pw, '\n'))
			if asn := testkit.MustRun(t, "openssl", "asn1parse", "-in", keyFile); !strings.Contains(asn, "PBES2") || !strings.Contains(asn, "PBKDF2") {
				t.Errorf("openssl asn1parse does not show PBES2 with PBKDF2:\n%s", asn)
			}
			testkit.MustRun(t, "openssl", "pkey", "-in", keyFile, "-passin", "file:"+pwFile, "-noout")

			back, err := ca.ParseKey(data, pw)
			if err != nil {
				t.Fatalf("ParseKey with the password: %v", err)
			}
			if !back.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(key.Public()) {
				t.Errorf("the key read back is another key")
			}
			if _, err := ca.ParseKey(data, []byte("wrong")); !errors.Is(err, ca.ErrWrongPassword) {
				t.Errorf("ParseKey with a wrong password: %v, want ErrWrongPassword", err)
			}
			if _, err := ca.ParseKey(data, nil); !errors.Is(err, ca.ErrPasswordRequired) {
				t.Errorf("ParseKey without a password: %v, want ErrPasswordRequired", err)
			}
		})
	}
}

// TestEncodeKeyPlain: without a password the key is plain PKCS#8.
func TestEncodeKeyPlain(t *testing.T) {
	data, err := ca.EncodeKey(newKey(t, "ecdsa-p384"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if block, _ := pem.Decode(data); block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("want a PRIVATE KEY block, got:\n%s", data)
	}
}

// TestParseKeyRefusals: input that is not a usable key names its problem.
func TestParseKeyRefusals(t *testing.T) {
	good, err := ca.EncodeKey(newKey(t, "ecdsa-p256"), nil)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(good)
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, ca.ErrBadPEM},
		{"not PEM", []byte("hello"), ca.ErrBadPEM},
		{"truncated PEM", good[:len(good)-30], ca.ErrBadPEM},
		{"certificate", certPEM(newCA(t, "ecdsa-p256").Root()), ca.ErrBadPEM},
		{"garbage DER", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: block.Bytes[:20]}), ca.ErrBadKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ca.ParseKey(tt.in, nil); !errors.Is(err, tt.want) {
				t.Errorf("ParseKey = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestKeySpecs covers the key type names of --key-type and of key create.
func TestKeySpecs(t *testing.T) {
	for _, kt := range ca.KeyTypes {
		spec, err := ca.ParseKeyType(kt)
		if err != nil || spec.String() != kt {
			t.Errorf("ParseKeyType(%q) = %v, %v; want it to round-trip", kt, spec, err)
		}
	}
	for _, bad := range []string{"rsa-1024", "dsa", "ecdsa-p521", "ed448"} {
		if _, err := ca.ParseKeyType(bad); !errors.Is(err, ca.ErrUnknownKeyType) {
			t.Errorf("ParseKeyType(%q) = %v, want ErrUnknownKeyType", bad, err)
		}
	}
	bad := []struct {
		alg   string
		bits  int
		curve string
	}{{"rsa", 1024, ""}, {"rsa", 2047, ""}, {"ecdsa", 0, "P-521"}, {"ecdsa", 0, "secp256k1"}, {"dsa", 0, ""}}
	for _, b := range bad {
		if _, err := ca.NewKeySpec(b.alg, b.bits, b.curve); !errors.Is(err, ca.ErrUnknownKeyType) {
			t.Errorf("NewKeySpec(%q, %d, %q) = %v, want ErrUnknownKeyType", b.alg, b.bits, b.curve, err)
		}
	}
}
