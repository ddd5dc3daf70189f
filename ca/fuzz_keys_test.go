package ca_test

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"hash"
	"strings"
	"testing"

	"github.com/localca/localca/ca"
)

// pbes2Opts choose how encryptPKCS8 encrypts: the seeds cover the forms
// other tools write, at iteration counts low enough to fuzz quickly.
type pbes2Opts struct {
	iterations int
	cipher     asn1.ObjectIdentifier
	keyLen     int
	sha256     bool // HMAC-SHA256 as the PRF; else the default HMAC-SHA1
	ivLen      int  // 0: the cipher's block size
	trim       int  // bytes cut off the ciphertext (a damaged file)
	claim      int  // iteration count written in the file, if not iterations
}

var (
	oidAES128CBC = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES256CBC = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oid3DESCBC   = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

// encryptPKCS8 writes key as an "ENCRYPTED PRIVATE KEY" (PBES2 with
// PBKDF2, RFC 8018), the form `openssl pkcs8 -topk8 -v2` writes. It is the
// test's own encoder, so that seeds can use the small iteration counts of
// other tools and damaged parameters that ca.EncodeKey never writes.
func encryptPKCS8(t testing.TB, key crypto.Signer, pw []byte, o pbes2Opts) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	prf, h := pkix.AlgorithmIdentifier{}, sha1.New
	if o.sha256 {
		prf = pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}, Parameters: asn1.NullRawValue}
		h = sha256.New
	}
	sym, err := pbkdf2.Key(func() hash.Hash { return h() }, string(pw), salt, o.iterations, o.keyLen)
	if err != nil {
		t.Fatal(err)
	}
	var block cipher.Block
	if o.cipher.Equal(oid3DESCBC) {
		block, err = des.NewTripleDESCipher(sym)
	} else {
		block, err = aes.NewCipher(sym)
	}
	if err != nil {
		t.Fatal(err)
	}
	iv := make([]byte, block.BlockSize())
	rand.Read(iv)
	pad := block.BlockSize() - len(der)%block.BlockSize()
	data := append(der, bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(data, data)
	if o.ivLen != 0 {
		iv = make([]byte, o.ivLen)
	}
	type kdfParams struct {
		Salt       []byte
		Iterations int
		PRF        pkix.AlgorithmIdentifier `asn1:"optional"`
	}
	var v struct {
		Algo struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters struct {
				KDF struct {
					Algorithm asn1.ObjectIdentifier
					Params    kdfParams
				}
				Scheme struct {
					Algorithm asn1.ObjectIdentifier
					IV        []byte
				}
			}
		}
		Data []byte
	}
	v.Algo.Algorithm = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	v.Algo.Parameters.KDF.Algorithm = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	if o.claim == 0 {
		o.claim = o.iterations
	}
	v.Algo.Parameters.KDF.Params = kdfParams{Salt: salt, Iterations: o.claim, PRF: prf}
	v.Algo.Parameters.Scheme.Algorithm, v.Algo.Parameters.Scheme.IV = o.cipher, iv
	v.Data = data[:len(data)-o.trim]
	out, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: out})
}

// encryptLegacy writes key in the legacy PEM encryption (RFC 1423, a
// Proc-Type header), which ca.ParseKey reads for old files and never writes.
func encryptLegacy(t testing.TB, key crypto.Signer, pw []byte) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 the test makes the legacy form that old files hold
	b, err := x509.EncryptPEMBlock(rand.Reader, "PRIVATE KEY", der, pw, x509.PEMCipherAES128) //nolint:staticcheck
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(b)
}

// otherPassword is a password that is not pw.
func otherPassword(pw []byte) []byte {
	if len(pw) == 0 {
		return []byte("x")
	}
	o := bytes.Clone(pw)
	o[0] ^= 0x01
	return o
}

// FuzzParseKey feeds the encrypted-key loader (ca.ParseKey, what every
// --key flag and the CA's own keys go through) key files and passwords.
// It must never panic or return neither key nor error; an encrypted file
// without a password is ErrPasswordRequired; a file that opens with one
// password does not open with another; and each seed key, read with its
// password, is the key that was encrypted.
func FuzzParseKey(f *testing.F) {
	pw := []byte("fuzz password")
	ec, ed := newKey(f, "ecdsa-p256"), newKey(f, "ed25519")
	plain, err := ca.EncodeKey(ed, nil)
	if err != nil {
		f.Fatal(err)
	}
	// The public key of each seed's PEM body, to check what a read returns.
	want := map[string]crypto.PublicKey{}
	add := func(data, pw []byte, key crypto.Signer) {
		f.Add(data, pw)
		if b, _ := pem.Decode(data); b != nil && key != nil {
			want[string(b.Bytes)] = key.Public()
		}
	}
	add(plain, nil, ed)
	add(encryptPKCS8(f, ec, pw, pbes2Opts{iterations: 2048, cipher: oidAES256CBC, keyLen: 32, sha256: true}), pw, ec)
	add(encryptPKCS8(f, ed, pw, pbes2Opts{iterations: 1000, cipher: oidAES128CBC, keyLen: 16}), pw, ed)
	add(encryptPKCS8(f, ec, pw, pbes2Opts{iterations: 100, cipher: oid3DESCBC, keyLen: 24}), []byte("not it"), ec)
	add(encryptLegacy(f, ec, pw), pw, ec)
	// What pemutil v0.92 panics on, and a file that would stall the loader.
	add(encryptPKCS8(f, ec, pw, pbes2Opts{iterations: 10, cipher: oidAES256CBC, keyLen: 32, trim: 1}), pw, nil)
	add(encryptPKCS8(f, ec, pw, pbes2Opts{iterations: 10, cipher: oidAES256CBC, keyLen: 32, ivLen: 3}), pw, nil)
	add(encryptPKCS8(f, ec, pw, pbes2Opts{iterations: 1, claim: 1 << 30, cipher: oidAES128CBC, keyLen: 16}), pw, nil)
	// Found by the fuzzer (its key material zeroed): an iteration count of
	// seven octets (about 2^51) whose length swallows the PRF, which
	// pemutil then skips as absent; a stricter reader of the same bytes
	// missed the count, and pemutil derived for ever.
	stall, _ := hex.DecodeString("3081f4305f06092a864886f70d01050d3052303106092a864886f70d01050c3024041034d34d34d34d34d34d34d34d34d34d34" +
		"02070800300c06082a864886f70d02090500301d060960864801650304012a0410" + strings.Repeat("00", 16) + "048190")
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: append(stall, make([]byte, 144)...)}), pw)
	// A truncated SEC1 key (the first bytes of its DER), made here so that no
	// key-shaped block sits in the source.
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: []byte{0x30, 0x77, 0x02, 0x01, 0x01, 0x04}}), pw)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: []byte("openssh-key-v1\x00")}), pw)

	f.Fuzz(func(t *testing.T, data, pw []byte) {
		k, err := ca.ParseKey(data, pw)
		if err != nil {
			if k != nil {
				t.Fatalf("ParseKey returned a key and an error: %v", err)
			}
			return
		}
		if k == nil {
			t.Fatal("ParseKey returned neither a key nor an error")
		}
		b, _ := pem.Decode(data)
		if b == nil {
			t.Fatal("ParseKey read a key from data without a PEM block")
		}
		if pub, ok := want[string(b.Bytes)]; ok {
			if eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(k.Public()) {
				t.Fatalf("seed body read as a different key")
			}
		}
		encrypted := b.Type == "ENCRYPTED PRIVATE KEY" || b.Headers["Proc-Type"] == "4,ENCRYPTED"
		if !encrypted {
			return
		}
		if len(pw) == 0 {
			t.Fatal("an encrypted key was read without a password")
		}
		if _, err := ca.ParseKey(data, nil); !errors.Is(err, ca.ErrPasswordRequired) {
			t.Fatalf("encrypted key without a password: %v, want ErrPasswordRequired", err)
		}
		if k2, err := ca.ParseKey(data, otherPassword(pw)); err == nil {
			t.Fatalf("an encrypted key opened with password %q and with %q (%T)", pw, otherPassword(pw), k2)
		}
	})
}

// FuzzEncodeKeyPassword is the round trip of `key create` with a password:
// a key ca.EncodeKey encrypts with any password P is PKCS#8 PBES2 (never
// legacy PEM encryption), opens with P to the same key, and does not open
// with another password or none. Each run derives a key three times
// (600,000 PBKDF2 iterations each), so it fuzzes slowly (about four runs a
// second); its one seed runs in every go test.
func FuzzEncodeKeyPassword(f *testing.F) {
	key := newKey(f, "ecdsa-p256")
	// One seed: each costs three key derivations in every go test (about
	// three seconds under -race). keys_test.go covers plain passwords.
	f.Add([]byte("p\x00\xff ü"))
	f.Fuzz(func(t *testing.T, pw []byte) {
		if len(pw) == 0 || len(pw) > 1024 {
			return // no password writes a plain key; FuzzParseKey covers it
		}
		enc, err := ca.EncodeKey(key, pw)
		if err != nil {
			t.Fatalf("EncodeKey with password %q: %v", pw, err)
		}
		b, _ := pem.Decode(enc)
		if b == nil || b.Type != "ENCRYPTED PRIVATE KEY" || len(b.Headers) != 0 {
			t.Fatalf("EncodeKey wrote %q with headers %v, want a PKCS#8 ENCRYPTED PRIVATE KEY", b.Type, b.Headers)
		}
		k, err := ca.ParseKey(enc, pw)
		if err != nil {
			t.Fatalf("ParseKey with the password it was encrypted with (%q): %v", pw, err)
		}
		if !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(k.Public()) {
			t.Fatal("the key read back is not the key encrypted")
		}
		if _, err := ca.ParseKey(enc, otherPassword(pw)); !errors.Is(err, ca.ErrWrongPassword) {
			t.Fatalf("ParseKey with password %q: %v, want ErrWrongPassword", otherPassword(pw), err)
		}
		if _, err := ca.ParseKey(enc, nil); !errors.Is(err, ca.ErrPasswordRequired) {
			t.Fatalf("ParseKey without a password: %v, want ErrPasswordRequired", err)
		}
	})
}
