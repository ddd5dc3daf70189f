package ca

import "errors"

// Sentinel errors of revocation, CRLs, OCSP, tokens and the HTTP endpoints.
// They live apart from errors.go, which another part of the package owns.
var (
	ErrBadReason = errors.New("ca: unknown revocation reason")
	ErrBadSerial = errors.New("ca: bad serial number")
	ErrBadToken  = errors.New("ca: bad token")
	ErrBadOCSP   = errors.New("ca: malformed OCSP request")
)
