package store

import "errors"

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrInUse means another process holds the store's file lock.
	ErrInUse = errors.New("store: in use by another localca process")
	// ErrNotFound means no record has the asked-for id, serial or fingerprint.
	ErrNotFound = errors.New("store: not found")
	// ErrExists means a record of that name is already stored (a DNS key).
	ErrExists = errors.New("store: already exists")
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
	// ErrIssuerRevoked means the certificate's issuer (an intermediate) was
	// revoked: it may sign nothing more.
	ErrIssuerRevoked = errors.New("store: issuer is revoked")
	// ErrMigrationNeeded means the store is of an older schema and this
	// open may not migrate it (Options.Migrate); the message names the
	// command that does.
	ErrMigrationNeeded = errors.New("store: the store needs migrating")
	// ErrSchema means the store is of a schema this localca does not read.
	ErrSchema = errors.New("store: unknown schema")
	// ErrCorrupt means a record could not be decoded.
	ErrCorrupt = errors.New("store: corrupt record")
)

// Errors of the etcd engine.
var (
	// ErrBadStoreURL means a --store value is neither a path nor a valid
	// etcd://host:port[,host:port...][/prefix].
	ErrBadStoreURL = errors.New("store: bad store URL")
	// ErrEtcdInsecure means an etcd endpoint beyond loopback was given
	// without TLS client authentication.
	ErrEtcdInsecure = errors.New("store: etcd beyond loopback needs TLS client authentication")
	// ErrNoQuorum means etcd could not commit or read: too few members
	// answer to elect a leader. Nothing was acknowledged.
	ErrNoQuorum = errors.New("store: etcd has no quorum")
	// ErrTxnTooLarge means one transaction would carry more operations than
	// etcd accepts in one Txn (--max-txn-ops, 128 by default).
	ErrTxnTooLarge = errors.New("store: transaction too large for one etcd Txn")
)

// Errors of copying a store from one engine to another.
var (
	// ErrMoved means the store's records were copied to another store,
	// which is the live one now; this one is read-only.
	ErrMoved = errors.New("store: this store was moved")
	// ErrCopyTarget means the target of a copy already holds records.
	ErrCopyTarget = errors.New("store: copy target not usable")
	// ErrCopyMismatch means the target did not read back as the source.
	ErrCopyMismatch = errors.New("store: copy did not verify")
)

// ErrRootNotRevocable means a root was asked to be revoked: nothing signs a
// root, so no CRL can list it. A root is withdrawn by taking it out of the
// trust stores.
var ErrRootNotRevocable = errors.New("store: a root cannot be revoked (no CRL lists it): take it out of the trust stores instead")

// errReadOnlyTx is a write attempted inside ACMEView.
var errReadOnlyTx = errors.New("store: write in a read-only ACME transaction")

// errOverlayStale: the file holds a logged group newer than the overlay a
// reader loaded (bolt_wal.go); the reader loads it again.
var errOverlayStale = errors.New("store: overlay older than the file")

// errNothingToCommit rolls back a batch whose every member failed.
var errNothingToCommit = errors.New("store: nothing to commit")

// errTruncated is a record shorter than its codec says.
var errTruncated = errors.New("truncated record")
