package acme

import (
	"errors"
	"fmt"
	"net/http"
)

// RFC 8555 section 6.7 error types, and the two of the drafts this server
// speaks (ARI's alreadyReplaced, profiles' invalidProfile).
const (
	ProbAccountDoesNotExist     = "accountDoesNotExist"
	ProbAlreadyRevoked          = "alreadyRevoked"
	ProbAlreadyReplaced         = "alreadyReplaced"
	ProbBadCSR                  = "badCSR"
	ProbBadNonce                = "badNonce"
	ProbBadPublicKey            = "badPublicKey"
	ProbBadRevocationReason     = "badRevocationReason"
	ProbBadSignatureAlgorithm   = "badSignatureAlgorithm"
	ProbConnection              = "connection"
	ProbDNS                     = "dns"
	ProbExternalAccountRequired = "externalAccountRequired"
	ProbIncorrectResponse       = "incorrectResponse"
	ProbInvalidProfile          = "invalidProfile"
	ProbMalformed               = "malformed"
	ProbOrderNotReady           = "orderNotReady"
	ProbRateLimited             = "rateLimited"
	ProbRejectedIdentifier      = "rejectedIdentifier"
	ProbServerInternal          = "serverInternal"
	ProbTLS                     = "tls"
	ProbUnauthorized            = "unauthorized"
	ProbUnsupportedIdentifier   = "unsupportedIdentifier"
)

// ProblemNS prefixes every problem type.
const ProblemNS = "urn:ietf:params:acme:error:"

// Problem is an RFC 7807 problem document as RFC 8555 uses it. It is also
// an error, so handlers return it up to the one place that writes it.
type Problem struct {
	Type        string     `json:"type"`
	Detail      string     `json:"detail,omitempty"`
	Status      int        `json:"status,omitempty"`
	Identifier  *Ident     `json:"identifier,omitempty"`
	Subproblems []*Problem `json:"subproblems,omitempty"`
	// Algorithms lists what is accepted, on badSignatureAlgorithm (RFC 8555
	// 6.2).
	Algorithms []string `json:"algorithms,omitempty"`
}

func (p *Problem) Error() string { return p.Type + ": " + p.Detail }

// statusOf is the HTTP status each problem type is sent with.
var statusOf = map[string]int{
	ProbAccountDoesNotExist:     http.StatusBadRequest,
	ProbAlreadyRevoked:          http.StatusBadRequest,
	ProbAlreadyReplaced:         http.StatusConflict,
	ProbBadCSR:                  http.StatusBadRequest,
	ProbBadNonce:                http.StatusBadRequest,
	ProbBadPublicKey:            http.StatusBadRequest,
	ProbBadRevocationReason:     http.StatusBadRequest,
	ProbBadSignatureAlgorithm:   http.StatusBadRequest,
	ProbConnection:              http.StatusBadRequest,
	ProbDNS:                     http.StatusBadRequest,
	ProbExternalAccountRequired: http.StatusUnauthorized,
	ProbIncorrectResponse:       http.StatusBadRequest,
	ProbInvalidProfile:          http.StatusBadRequest,
	ProbMalformed:               http.StatusBadRequest,
	ProbOrderNotReady:           http.StatusForbidden,
	ProbRateLimited:             http.StatusTooManyRequests,
	ProbRejectedIdentifier:      http.StatusBadRequest,
	ProbServerInternal:          http.StatusInternalServerError,
	ProbTLS:                     http.StatusBadRequest,
	ProbUnauthorized:            http.StatusForbidden,
	ProbUnsupportedIdentifier:   http.StatusBadRequest,
}

// problem makes a Problem of the short type name kind.
func problem(kind, format string, args ...any) *Problem {
	st, ok := statusOf[kind]
	if !ok {
		st = http.StatusBadRequest
	}
	return &Problem{Type: ProblemNS + kind, Detail: fmt.Sprintf(format, args...), Status: st}
}

// asProblem turns any error into the problem to send: a *Problem as it is,
// anything else serverInternal (its text is logged, not sent in full).
func asProblem(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	return problem(ProbServerInternal, "the server failed; see its log")
}

// Sentinel errors of the package.
var (
	// ErrNotFound is a record that is not in the ACME storage.
	ErrNotFound = errors.New("acme: not found")
	// ErrBadEABPattern is an --allow pattern that does not parse.
	ErrBadEABPattern = errors.New("acme: bad EAB allow pattern")
	// ErrConfig is a server configuration that cannot work.
	ErrConfig = errors.New("acme: bad configuration")
)
