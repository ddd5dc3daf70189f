package netdemo

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error this package returns wraps one of these (or a
// standard library error) so that callers and tests can use errors.Is; the
// message around it names the check that failed and the certificate involved.
var (
	// ErrNoPeerCertificate: the peer sent no certificate where one is required.
	ErrNoPeerCertificate = errors.New("netdemo: no peer certificate")
	// ErrUntrusted: the peer's chain does not lead to the trust pool, or lacks
	// the extended key usage this side requires, or is expired or not yet valid.
	ErrUntrusted = errors.New("netdemo: peer certificate not trusted")
	// ErrRevoked: the peer's certificate is on its issuer's CRL.
	ErrRevoked = errors.New("netdemo: peer certificate revoked")
	// ErrRevocationUnknown: the revocation status cannot be established (no
	// CRL held, CRL expired, issuer not covered) and the checker fails closed.
	ErrRevocationUnknown = errors.New("netdemo: revocation status unknown")
	// ErrNotAllowed: the peer is trusted but matches no --allow rule.
	ErrNotAllowed = errors.New("netdemo: peer not allowed")
	// ErrBadAllowRule: an --allow rule could not be parsed.
	ErrBadAllowRule = errors.New("netdemo: bad allow rule")
	// ErrBadCRL: a fetched CRL could not be parsed, is not signed by a
	// configured issuer, or is older than the one already held.
	ErrBadCRL = errors.New("netdemo: bad CRL")
	// ErrPayloadTooLarge: a UDP payload exceeds the configured limit; it is
	// returned before anything is sent.
	ErrPayloadTooLarge = errors.New("netdemo: payload too large")
	// ErrNoReply: no UDP reply arrived within the timeout (the request or the
	// reply was lost, or nothing answers at that address).
	ErrNoReply = errors.New("netdemo: no reply")
	// ErrNoIdentity: a server or client that must present a certificate has none.
	ErrNoIdentity = errors.New("netdemo: no certificate to present")
	// ErrBadConfig: a PeerSource or DemoTLS contradicts itself or lacks what
	// it needs (a name and files both, a certificate file without its key).
	ErrBadConfig = errors.New("netdemo: bad configuration")
)

// PayloadTooLargeError reports a UDP payload over the limit. It matches
// ErrPayloadTooLarge with errors.Is.
type PayloadTooLargeError struct {
	Size  int // bytes the caller wanted to send
	Limit int // the configured payload limit
}

func (e *PayloadTooLargeError) Error() string {
	return fmt.Sprintf("netdemo: payload of %d bytes exceeds the limit of %d bytes (nothing sent)", e.Size, e.Limit)
}

// Is makes errors.Is(err, ErrPayloadTooLarge) true.
func (e *PayloadTooLargeError) Is(target error) bool { return target == ErrPayloadTooLarge }
