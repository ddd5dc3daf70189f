package ca

import (
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/localca/localca/store"
)

// RFC 5280 §5.3.1 CRLReason codes. certificateHold (6) and removeFromCRL (8)
// are left out on purpose: localca never suspends a certificate, so a
// revocation is final.
var reasonCodes = map[string]int{
	"unspecified":          0,
	"keyCompromise":        1,
	"cACompromise":         2,
	"affiliationChanged":   3,
	"superseded":           4,
	"cessationOfOperation": 5,
	"privilegeWithdrawn":   9,
	"aACompromise":         10,
}

// ReasonNames lists the reason names ParseReason accepts, sorted by code.
func ReasonNames() []string {
	out := make([]string, 0, len(reasonCodes))
	for n := range reasonCodes {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return reasonCodes[out[i]] < reasonCodes[out[j]] })
	return out
}

// ParseReason turns an RFC 5280 reason name (case-insensitive) into its code.
// The empty string is store.NoReason: the CRL entry and the OCSP answer then
// carry no reason at all, which RFC 5280 prefers to "unspecified".
// certificateHold is refused: a hold is not a revocation.
func ParseReason(name string) (int, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return store.NoReason, nil
	}
	for n, code := range reasonCodes {
		if strings.EqualFold(n, name) {
			return code, nil
		}
	}
	return 0, fmt.Errorf("%w: %q (want one of %s)", ErrBadReason, name, strings.Join(ReasonNames(), ", "))
}

// ReasonName is the RFC 5280 name of a reason code, "" for store.NoReason.
func ReasonName(code int) string {
	if code == store.NoReason {
		return ""
	}
	for n, c := range reasonCodes {
		if c == code {
			return n
		}
	}
	return fmt.Sprintf("reason(%d)", code)
}

// ParseSerial reads a serial the way users copy it: hex, with or without
// a 0x prefix, colons or spaces (openssl prints 3A:F2:...).
func ParseSerial(s string) ([]byte, error) {
	clean := strings.NewReplacer(":", "", " ", "", "-", "").Replace(strings.TrimSpace(s))
	clean = strings.TrimPrefix(strings.TrimPrefix(clean, "0x"), "0X")
	if len(clean)%2 == 1 {
		clean = "0" + clean
	}
	b, err := hex.DecodeString(clean)
	if err != nil || len(b) == 0 || len(b) > 20 {
		return nil, fmt.Errorf("%w: %q is not a hex serial of 1 to 20 octets", ErrBadSerial, s)
	}
	// The store keys serials as big.Int.Bytes(): without leading zeros.
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b, nil
}

// RevokeCert revokes the certificate with the given serial, with an RFC 5280
// reason code (store.NoReason for none). The revocation is committed before
// RevokeCert returns: the next CRL lists it and OCSP answers revoked. An
// unknown serial fails with store.ErrNotFound and a second revocation with
// store.ErrAlreadyRevoked; neither changes anything.
func (c *CA) RevokeCert(serial []byte, reason int) (*store.Cert, error) {
	if err := checkReason(reason); err != nil {
		return nil, err
	}
	rec, err := c.st.RevokeCert(serial, c.opts.Now(), reason)
	if err != nil {
		return rec, fmt.Errorf("ca: revoking %X: %w", serial, err)
	}
	return rec, nil
}

func checkReason(reason int) error {
	if reason == store.NoReason {
		return nil
	}
	for _, c := range reasonCodes {
		if c == reason {
			return nil
		}
	}
	return fmt.Errorf("%w: code %d", ErrBadReason, reason)
}

// RevokeKey marks a key compromised. Every certificate that carries it is
// revoked with keyCompromise in the same transaction, and any later CSR or
// issuance for it is refused with store.ErrKeyRevoked. A key the store never
// saw is recorded as compromised, so that it can never be certified.
func (c *CA) RevokeKey(pub crypto.PublicKey) ([]*store.Cert, error) {
	fp, err := Fingerprint(pub)
	if err != nil {
		return nil, err
	}
	alg, size := DescribeKey(pub)
	certs, err := c.st.RevokeKey(&store.Key{Fingerprint: fp, Algorithm: alg, Size: size}, c.opts.Now())
	if err != nil {
		return nil, fmt.Errorf("ca: revoking key %x: %w", fp, err)
	}
	return certs, nil
}

// RevokeKeyFingerprint is RevokeKey for a key known by its fingerprint (the
// SHA-256 of its SubjectPublicKeyInfo). The store must know the key: a
// mistyped fingerprint is store.ErrNotFound rather than a new record.
func (c *CA) RevokeKeyFingerprint(fp []byte) ([]*store.Cert, error) {
	k, err := c.st.Key(fp)
	if err != nil {
		return nil, fmt.Errorf("ca: revoking key %x: %w (give the key, CSR or certificate file to revoke a key the CA never saw)", fp, err)
	}
	certs, err := c.st.RevokeKey(k, c.opts.Now())
	if err != nil {
		return nil, fmt.Errorf("ca: revoking key %x: %w", fp, err)
	}
	return certs, nil
}

// RejectCSR rejects a CSR (PEM or DER) so that it can never be signed. A CSR
// the store never saw is recorded as rejected.
func (c *CA) RejectCSR(data []byte) ([]byte, error) {
	csr, err := ParseCSR(data)
	if err != nil {
		return nil, err
	}
	rec, _, err := csrRecord(csr)
	if err != nil {
		return nil, err
	}
	if err := c.st.RejectCSR(rec); err != nil {
		return nil, fmt.Errorf("ca: rejecting CSR %x: %w", rec.ID, err)
	}
	return rec.ID, nil
}

// RejectCSRID rejects a stored CSR by its id (SHA-256 of its DER).
func (c *CA) RejectCSRID(id []byte) error {
	if err := c.st.RejectCSR(&store.CSR{ID: id}); err != nil {
		return fmt.Errorf("ca: rejecting CSR %x: %w", id, err)
	}
	return nil
}

// PublicKeyOf finds the public key in a file a user would point at: a
// private key (unencrypted), a public key, a certificate or a CSR, in PEM or
// DER. It is how `revoke --key FILE` learns which key to revoke.
func PublicKeyOf(data []byte) (crypto.PublicKey, error) {
	der := data
	typ := ""
	if block, _ := pem.Decode(data); block != nil {
		der, typ = block.Bytes, block.Type
	}
	switch typ {
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadCertificate, err)
		}
		return cert.PublicKey, nil
	case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
		csr, err := x509.ParseCertificateRequest(der)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadCSR, err)
		}
		return csr.PublicKey, nil
	case "PUBLIC KEY":
		return x509.ParsePKIXPublicKey(der)
	case "":
		// DER: try each form in turn.
		if pub, err := x509.ParsePKIXPublicKey(der); err == nil {
			return pub, nil
		}
		if cert, err := x509.ParseCertificate(der); err == nil {
			return cert.PublicKey, nil
		}
		if csr, err := x509.ParseCertificateRequest(der); err == nil {
			return csr.PublicKey, nil
		}
		if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
			if s, ok := k.(crypto.Signer); ok {
				return s.Public(), nil
			}
		}
		return nil, fmt.Errorf("%w: not a key, certificate or CSR", ErrBadPEM)
	}
	key, err := ParseKey(data, nil)
	if errors.Is(err, ErrPasswordRequired) {
		return nil, fmt.Errorf("%w (revoke by its certificate, CSR or public key instead)", err)
	}
	if err != nil {
		return nil, err
	}
	return key.Public(), nil
}
