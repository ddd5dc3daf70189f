package store

import "errors"

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrInUse means another process holds the store's file lock.
	ErrInUse = errors.New("store: in use by another localca process")
	// ErrNotFound means no record has the asked-for id, serial or fingerprint.
	ErrNotFound = errors.New("store: not found")
	// ErrNoCA means the store holds no root and intermediate yet.
	ErrNoCA = errors.New("store: no CA initialised")
	// ErrCAExists means an init would replace an existing CA without force.
	ErrCAExists = errors.New("store: a CA already exists")
	// ErrSerialExists means a certificate with that serial is already stored.
	ErrSerialExists = errors.New("store: serial already used")
	// ErrKeyRevoked means the key was marked compromised; nothing more may be
	// issued for it.
	ErrKeyRevoked = errors.New("store: key is revoked (compromised)")
	// ErrCSRRejected means the CSR was revoked and may never be signed.
	ErrCSRRejected = errors.New("store: CSR is rejected")
	// ErrAlreadyRevoked means the certificate, key or CSR was revoked before.
	ErrAlreadyRevoked = errors.New("store: already revoked")
	// ErrTokenInvalid means a token is unknown, used or expired.
	ErrTokenInvalid = errors.New("store: token is unknown, used or expired")
	// ErrStopRange, returned by a Range callback, ends the range early
	// without an error.
	ErrStopRange = errors.New("store: stop range")
	// ErrCorrupt means a record could not be decoded.
	ErrCorrupt = errors.New("store: corrupt record")
)
