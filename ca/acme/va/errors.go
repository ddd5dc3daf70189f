package va

import "errors"

// Sentinel errors; a failed validation wraps one, which the ACME server
// maps to its problem type (connection, dns, tls, incorrectResponse).
var (
	ErrConnection  = errors.New("va: connection failed")
	ErrDNS         = errors.New("va: DNS")
	ErrTLS         = errors.New("va: TLS")
	ErrIncorrect   = errors.New("va: incorrect response")
	ErrUnsupported = errors.New("va: unsupported challenge or identifier")
)
