package ca

import (
	"errors"
	"strings"
)

// Sentinel errors of the checks every CSR passes before the policy sees
// it (csrcheck.go). They live apart from errors.go, which another part of
// the package owns.
var (
	// ErrWeakSignature is a CSR signed with SHA-1 (or worse): its signature
	// proves little, so it is refused even when it verifies.
	ErrWeakSignature = errors.New("ca: weak CSR signature")
	// ErrCSRRequestsCA is matched by every *CARequestError.
	ErrCSRRequestsCA = errors.New("ca: CSR requests a CA certificate")
)

// CARequestError is a CSR whose requested extensions ask for what only a
// CA certificate carries. Asked names each request the way openssl spells
// it, with its extension: "CA:TRUE (basicConstraints)", "keyCertSign
// (keyUsage)". Such a CSR is refused rather than signed as a plain leaf,
// so the requester learns that the CA will not do what it asked.
type CARequestError struct {
	Asked []string
}

// Error reads like
//
//	ca: CSR requests CA:TRUE (basicConstraints); localca issues only leaf certificates from CSRs
func (e *CARequestError) Error() string {
	return "ca: CSR requests " + strings.Join(e.Asked, ", ") + "; localca issues only leaf certificates from CSRs"
}

// Is makes every CARequestError match ErrCSRRequestsCA.
func (e *CARequestError) Is(target error) bool { return target == ErrCSRRequestsCA }
