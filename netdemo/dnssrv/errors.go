package dnssrv

import "errors"

// Sentinel errors. Every error this package returns wraps one of these (or
// an error of the standard library or miekg/dns) so callers can test with
// errors.Is and still show the message, which names the value that failed.
var (
	// ErrParse: the text is not a resource record in zone-file form.
	ErrParse = errors.New("dnssrv: not a valid resource record")
	// ErrType: the record type is not one the zone serves from user data
	// (SRV, A, AAAA, TXT, CNAME).
	ErrType = errors.New("dnssrv: record type not allowed")
	// ErrOutOfZone: the owner name is not the zone apex or below it.
	ErrOutOfZone = errors.New("dnssrv: name outside the zone")
	// ErrReservedName: the name is one the zone synthesises (ns.ZONE).
	ErrReservedName = errors.New("dnssrv: name reserved for the server")
	// ErrTTL: the TTL is outside 1s..1 week.
	ErrTTL = errors.New("dnssrv: TTL out of range")
	// ErrClass: the record class is not IN.
	ErrClass = errors.New("dnssrv: record class must be IN")
	// ErrCNAMEConflict: a CNAME would share its name with other data, or
	// another record would share a name with a CNAME (RFC 1034 §3.6.2).
	ErrCNAMEConflict = errors.New("dnssrv: CNAME and other data at the same name")
	// ErrNoSuchRecord: Remove was asked for a record the zone does not hold.
	ErrNoSuchRecord = errors.New("dnssrv: no such record")
	// ErrPersist: the caller's persistence hook refused the change, which
	// was therefore not applied.
	ErrPersist = errors.New("dnssrv: persisting the change failed")
	// ErrTSIGKey: a TSIG key has an empty name or a secret that is not
	// base64.
	ErrTSIGKey = errors.New("dnssrv: bad TSIG key")
	// ErrServing: Serve was called on a Server that is already serving, or
	// with neither a PacketConn nor a Listener.
	ErrServing = errors.New("dnssrv: server cannot serve")
	// ErrLookup: a DNS query failed or the server answered with an error
	// code.
	ErrLookup = errors.New("dnssrv: lookup failed")
	// ErrNoTargets: an SRV lookup returned no usable target (no records, or
	// the single "." target that RFC 2782 uses for "service not
	// available").
	ErrNoTargets = errors.New("dnssrv: no SRV targets")
)
