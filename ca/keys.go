package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"

	"go.step.sm/crypto/keyutil"
	"go.step.sm/crypto/pemutil"
)

// KeyTypes are the names --key-type accepts, in the order the help lists them.
var KeyTypes = []string{"ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-2048", "rsa-3072", "rsa-4096"}

// KeySpec names a key to generate: an algorithm and its size or curve.
type KeySpec struct {
	Algorithm string // "rsa", "ecdsa" or "ed25519"
	Bits      int    // RSA modulus size
	Curve     string // "P-256" or "P-384" for ECDSA
}

// ParseKeyType reads one of KeyTypes ("ecdsa-p256", "rsa-3072", ...).
func ParseKeyType(s string) (KeySpec, error) {
	switch strings.ToLower(s) {
	case "", "ecdsa-p256", "ecdsa", "p256", "p-256":
		return KeySpec{Algorithm: "ecdsa", Curve: "P-256"}, nil
	case "ecdsa-p384", "p384", "p-384":
		return KeySpec{Algorithm: "ecdsa", Curve: "P-384"}, nil
	case "ed25519":
		return KeySpec{Algorithm: "ed25519"}, nil
	case "rsa-2048", "rsa":
		return KeySpec{Algorithm: "rsa", Bits: 2048}, nil
	case "rsa-3072":
		return KeySpec{Algorithm: "rsa", Bits: 3072}, nil
	case "rsa-4096":
		return KeySpec{Algorithm: "rsa", Bits: 4096}, nil
	}
	return KeySpec{}, fmt.Errorf("%w: key type %q (want one of %s)", ErrUnknownKeyType, s, strings.Join(KeyTypes, ", "))
}

// NewKeySpec builds a spec from the separate --type/--size/--curve flags of
// `key create`, checking the combination.
func NewKeySpec(algorithm string, bits int, curve string) (KeySpec, error) {
	switch strings.ToLower(algorithm) {
	case "rsa":
		if bits == 0 {
			bits = 2048
		}
		if bits != 2048 && bits != 3072 && bits != 4096 {
			return KeySpec{}, fmt.Errorf("%w: RSA size %d (want 2048, 3072 or 4096)", ErrUnknownKeyType, bits)
		}
		return KeySpec{Algorithm: "rsa", Bits: bits}, nil
	case "", "ecdsa", "ec":
		switch strings.ToUpper(curve) {
		case "", "P-256", "P256":
			return KeySpec{Algorithm: "ecdsa", Curve: "P-256"}, nil
		case "P-384", "P384":
			return KeySpec{Algorithm: "ecdsa", Curve: "P-384"}, nil
		}
		return KeySpec{}, fmt.Errorf("%w: curve %q (want P-256 or P-384)", ErrUnknownKeyType, curve)
	case "ed25519":
		return KeySpec{Algorithm: "ed25519"}, nil
	}
	return KeySpec{}, fmt.Errorf("%w: %q (want rsa, ecdsa or ed25519)", ErrUnknownKeyType, algorithm)
}

func (k KeySpec) String() string {
	switch k.Algorithm {
	case "rsa":
		return fmt.Sprintf("rsa-%d", k.Bits)
	case "ecdsa":
		return "ecdsa-" + strings.ToLower(strings.ReplaceAll(k.Curve, "-", ""))
	}
	return k.Algorithm
}

// Generate makes a new key with keyutil.
func (k KeySpec) Generate() (crypto.Signer, error) {
	var (
		s   crypto.Signer
		err error
	)
	switch k.Algorithm {
	case "rsa":
		s, err = keyutil.GenerateSigner("RSA", "", k.Bits)
	case "ecdsa":
		s, err = keyutil.GenerateSigner("EC", k.Curve, 0)
	case "ed25519":
		s, err = keyutil.GenerateSigner("OKP", "Ed25519", 0)
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnknownKeyType, k.Algorithm)
	}
	if err != nil {
		return nil, fmt.Errorf("ca: generating %s key: %w", k, err)
	}
	return s, nil
}

// EncodeKey serialises a private key as PKCS#8 PEM, encrypted with PBES2
// (AES-256-CBC, PBKDF2) when password is non-empty. pemutil needs
// WithPKCS8(true) for that: without it, it falls back to the legacy,
// insecure PEM encryption (RFC 1423).
func EncodeKey(key crypto.Signer, password []byte) ([]byte, error) {
	opts := []pemutil.Options{pemutil.WithPKCS8(true)}
	if len(password) > 0 {
		opts = append(opts, pemutil.WithPassword(password))
	}
	block, err := pemutil.Serialize(key, opts...)
	if err != nil {
		return nil, fmt.Errorf("ca: encoding key: %w", err)
	}
	return pem.EncodeToMemory(block), nil
}

// ParseKey reads a private key in any form openssl writes: PKCS#1 ("RSA
// PRIVATE KEY"), SEC1 ("EC PRIVATE KEY"), PKCS#8, and encrypted PKCS#8 or
// legacy-encrypted PEM given the password. An encrypted OpenSSH key without
// a password is ErrPasswordRequired too. Encryption parameters that would
// crash or stall the decryption (a damaged IV or ciphertext, a huge
// iteration count) are refused with ErrBadKey before any key is derived.
func ParseKey(data, password []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found (is this a key file?)", ErrBadPEM)
	}
	switch block.Type {
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "OPENSSH PRIVATE KEY":
	default:
		return nil, fmt.Errorf("%w: PEM block is %q, want a private key", ErrBadPEM, block.Type)
	}
	encrypted, err := checkKeyBlock(block)
	if err != nil {
		return nil, err
	}
	if encrypted && len(password) == 0 {
		return nil, fmt.Errorf("%w: the key is encrypted; give its password", ErrPasswordRequired)
	}
	var opts []pemutil.Options
	if len(password) > 0 {
		opts = append(opts, pemutil.WithPassword(password))
	}
	k, err := pemutil.ParseKey(pem.EncodeToMemory(block), opts...)
	if err != nil {
		if encrypted {
			return nil, fmt.Errorf("%w: %v", ErrWrongPassword, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a private key", ErrBadKey, k)
	}
	return s, nil
}

// Fingerprint is the SHA-256 of the key's SubjectPublicKeyInfo: the key's id
// in the store, the same value `openssl pkey -pubout -outform DER | sha256sum`
// prints.
func Fingerprint(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	sum := sha256.Sum256(der)
	return sum[:], nil
}

// DescribeKey names a public key's algorithm and size: ("rsa", 2048),
// ("ecdsa", 256), ("ed25519", 256).
func DescribeKey(pub crypto.PublicKey) (string, int) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "rsa", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ecdsa", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "ed25519", 256
	}
	return fmt.Sprintf("%T", pub), 0
}

// keyName is the human form of DescribeKey: "ECDSA P-256", "RSA 2048".
func keyName(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return "ECDSA P-256"
		}
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}
