package ca

import "errors"

// Sentinel errors. Errors from the store (store.ErrKeyRevoked, ...) and from
// policies (policies.ErrRefused) are wrapped as they are, so callers test
// those with errors.Is too.
var (
	ErrUnknownKeyType   = errors.New("ca: unknown key type")
	ErrBadPEM           = errors.New("ca: malformed PEM")
	ErrBadKey           = errors.New("ca: not a usable private key")
	ErrBadCSR           = errors.New("ca: malformed CSR")
	ErrBadCSRSignature  = errors.New("ca: CSR signature does not verify")
	ErrBadCertificate   = errors.New("ca: malformed certificate")
	ErrPasswordRequired = errors.New("ca: password required")
	ErrWrongPassword    = errors.New("ca: wrong password or damaged key")
	ErrKeyMismatch      = errors.New("ca: the key does not match the CSR's public key")
	ErrBadName          = errors.New("ca: bad name")
)
