package badserver

import "errors"

// Sentinel errors.
var (
	// ErrBadSite: a Site without a certificate or key, or a name given twice.
	ErrBadSite = errors.New("badserver: bad site")
	// ErrUnknownName: a client asked (by SNI) for a name the server does not
	// serve; crypto/tls ends the handshake with an internal_error alert.
	ErrUnknownName = errors.New("badserver: no site by that name")
)
