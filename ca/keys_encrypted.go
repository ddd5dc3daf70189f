package ca

import (
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// maxPBKDF2Iterations bounds the work a PKCS#8 key file can ask of us. The
// file is outside input and names its own PBKDF2 iteration count, which
// pemutil follows: a file asking for 2^50 would hold the command for ever.
// The bound is far above what tools write (localca and step write 600,000,
// OpenSSL 2,048) and costs about a second and a half on a laptop. (OpenSSH
// keys need no such bound here: x/crypto/ssh caps their bcrypt rounds.)
const maxPBKDF2Iterations = 10_000_000

// PBES2 (RFC 8018) object identifiers: the ones pemutil decrypts, with
// their block sizes.
var (
	oidPBES2   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	pbes2Block = map[string]int{
		"2.16.840.1.101.3.4.1.2":  16, // AES-128-CBC
		"2.16.840.1.101.3.4.1.22": 16, // AES-192-CBC
		"2.16.840.1.101.3.4.1.42": 16, // AES-256-CBC
		"1.3.14.3.2.7":            8,  // DES-CBC
		"1.2.840.113549.3.7":      8,  // DES-EDE3-CBC
	}
)

// encryptedPKCS8 is EncryptedPrivateKeyInfo with PBES2 parameters, in the
// very shape pemutil reads it: a looser or stricter shape would let a file
// that pemutil reads pass unchecked.
type encryptedPKCS8 struct {
	Algo struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters struct {
			KDF struct {
				Algorithm asn1.ObjectIdentifier
				Params    struct {
					Salt       []byte
					Iterations int
					PRF        struct {
						Algo      asn1.ObjectIdentifier
						NullParam asn1.RawValue
					} `asn1:"optional"`
				}
			}
			Scheme struct {
				Algorithm asn1.ObjectIdentifier
				IV        []byte
			}
		}
	}
	Data []byte
}

// checkEncryptedPKCS8 refuses an "ENCRYPTED PRIVATE KEY" before pemutil
// decrypts it when its IV is not one cipher block or its ciphertext is not
// whole blocks (pemutil v0.92 panics on both), or when its iteration count
// is out of bounds. It fails closed: a structure it cannot read, or a
// scheme pemutil does not decrypt, is refused here.
func checkEncryptedPKCS8(der []byte) error {
	var k encryptedPKCS8
	if _, err := asn1.Unmarshal(der, &k); err != nil {
		return fmt.Errorf("%w: encrypted PKCS#8 does not parse: %v", ErrBadKey, err)
	}
	p := k.Algo.Parameters
	if !k.Algo.Algorithm.Equal(oidPBES2) || !p.KDF.Algorithm.Equal(oidPBKDF2) {
		return fmt.Errorf("%w: encrypted PKCS#8 uses %v with %v; only PBES2 with PBKDF2 is read", ErrBadKey, k.Algo.Algorithm, p.KDF.Algorithm)
	}
	bs, ok := pbes2Block[p.Scheme.Algorithm.String()]
	switch it := p.KDF.Params.Iterations; {
	case !ok:
		return fmt.Errorf("%w: encrypted PKCS#8 cipher %v (want AES-CBC, DES-CBC or DES-EDE3-CBC)", ErrBadKey, p.Scheme.Algorithm)
	case it < 1 || it > maxPBKDF2Iterations:
		return fmt.Errorf("%w: encrypted PKCS#8 asks for %d PBKDF2 iterations (1 to %d accepted)", ErrBadKey, it, maxPBKDF2Iterations)
	case len(p.Scheme.IV) != bs:
		return fmt.Errorf("%w: encrypted PKCS#8 has a %d-byte IV, want %d", ErrBadKey, len(p.Scheme.IV), bs)
	case len(k.Data) == 0 || len(k.Data)%bs != 0:
		return fmt.Errorf("%w: encrypted PKCS#8 data of %d bytes is not whole %d-byte blocks", ErrBadKey, len(k.Data), bs)
	}
	return nil
}

// sshKeyMagic opens every "OPENSSH PRIVATE KEY" (PROTOCOL.key).
const sshKeyMagic = "openssh-key-v1\x00"

// openSSHEncrypted reads the header of an "OPENSSH PRIVATE KEY" to tell
// whether it is encrypted, so that a caller without the password learns
// ErrPasswordRequired (and the CLI asks for it). A header it cannot read is
// left to the parser, which refuses it.
func openSSHEncrypted(der []byte) bool {
	if !strings.HasPrefix(string(der), sshKeyMagic) {
		return false
	}
	var h struct {
		Cipher, KDF string
		Rest        []byte `ssh:"rest"`
	}
	if err := ssh.Unmarshal(der[len(sshKeyMagic):], &h); err != nil {
		return false
	}
	return h.Cipher != "none" || h.KDF != "none"
}

// checkKeyBlock says whether a private key block is encrypted, and refuses
// one whose encryption parameters would crash or stall the decryption. A
// Proc-Type header (legacy PEM encryption, which the standard library checks
// itself) is decrypted first, whatever the block's type; pemutil then
// parses an OpenSSH key from the block as it was in the file.
func checkKeyBlock(block *pem.Block) (encrypted bool, err error) {
	legacy := block.Headers["Proc-Type"] == "4,ENCRYPTED"
	switch block.Type {
	case "ENCRYPTED PRIVATE KEY":
		if legacy {
			return true, nil
		}
		return true, checkEncryptedPKCS8(block.Bytes)
	case "OPENSSH PRIVATE KEY":
		return legacy || openSSHEncrypted(block.Bytes), nil
	}
	return legacy, nil
}
