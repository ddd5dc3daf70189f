package ca

import (
	"errors"
	"fmt"
	"strings"

	"github.com/localca/localca/store"
)

// Sentinel errors. Errors from the store (store.ErrKeyRevoked, ...) and from
// policies (policies.ErrRefused) are wrapped as they are, so callers test
// those with errors.Is too.
var (
	ErrUnknownKeyType = errors.New("ca: unknown key type")
	// ErrClearSecrets refuses to copy into etcd a store that keeps secrets
	// (leaf keys, TSIG and EAB keys) in clear: SealStore seals them.
	ErrClearSecrets = errors.New("ca: secrets kept in clear")
	// ErrPolicyDiffers refuses a node whose own policy file is not the
	// policy its store holds (`localca policy set`).
	ErrPolicyDiffers    = errors.New("ca: the local policy differs from the store's")
	ErrBadPEM           = errors.New("ca: malformed PEM")
	ErrBadKey           = errors.New("ca: not a usable private key")
	ErrBadCSR           = errors.New("ca: malformed CSR")
	ErrBadCSRSignature  = errors.New("ca: CSR signature does not verify")
	ErrBadCertificate   = errors.New("ca: malformed certificate")
	ErrPasswordRequired = errors.New("ca: password required")
	// ErrEmptyPassword is a password typed empty at a prompt. Its words
	// are the command line's: a CA without a password is made on purpose.
	ErrEmptyPassword = errors.New("empty password (use --no-password for a CA without one)")
	ErrWrongPassword = errors.New("ca: wrong password or damaged key")
	ErrKeyMismatch   = errors.New("ca: the key does not match the CSR's public key")
	ErrBadName       = errors.New("ca: bad name")
	// ErrNoStore means a CA made without a store (withStore(nil)) was
	// asked to record something.
	ErrNoStore = errors.New("ca: no store to record into")
	// ErrCannotWrite means the files of a certificate could not be written
	// where asked (Files.Check): nothing was issued.
	ErrCannotWrite = errors.New("ca: cannot write the files")
	// ErrNoStoredKey means the store holds no private key for a
	// certificate: it was signed from a CSR, whose key stays with its owner.
	ErrNoStoredKey = errors.New("ca: the store holds no private key for this certificate")
	// ErrRenewSelfSigned refuses to renew a self-signed certificate: the
	// CA does not hold its signing key (sign it again with sign
	// --self-signed).
	ErrRenewSelfSigned = errors.New("ca: a self-signed certificate is renewed by signing it again (localca sign --self-signed)")
	// ErrNotStored means a certificate was signed but the store's commit
	// failed (a full disk, an I/O error), so it was not issued: it was
	// returned to nobody and written nowhere, and no record of it, its key
	// or its CSR was kept. Trying again is safe. A refusal at commit time
	// (a key revoked, a CSR rejected meanwhile) is not this error; it keeps
	// its own sentinel.
	ErrNotStored = errors.New("ca: the certificate was signed but not stored, so it was not issued")

	// ErrWeakSignature is a CSR signed with SHA-1 (or worse): its signature
	// proves little, so it is refused even when it verifies.
	ErrWeakSignature = errors.New("ca: weak CSR signature")
	// ErrCSRRequestsCA is matched by every *CARequestError.
	ErrCSRRequestsCA = errors.New("ca: CSR requests a CA certificate")
	// ErrCAProfile is a request to sign a CSR, or to self-sign one, under a
	// profile that makes CA certificates (intermediate). Only init makes
	// CAs; from a CSR the CA issues leaves.
	ErrCAProfile = errors.New("ca: that profile makes CA certificates; only init makes them")

	// ErrIntermediateRevoked means the CA's intermediate is revoked: it
	// signs no more certificates. A new hierarchy (localca init --force)
	// takes its place.
	ErrIntermediateRevoked = errors.New("ca: the intermediate is revoked; make a new CA with `localca init --force`")

	// Revocation, CRLs, OCSP, tokens and the HTTP endpoints.
	ErrBadReason = errors.New("ca: unknown revocation reason")
	ErrBadSerial = errors.New("ca: bad serial number")
	ErrBadToken  = errors.New("ca: bad token")
	ErrBadOCSP   = errors.New("ca: malformed OCSP request")
	// ErrTokenScope is a good token used for what it was not made for:
	// another endpoint, or a name outside its --allow patterns. It stays
	// good for what it was made for.
	ErrTokenScope = errors.New("ca: the token does not allow this")
	// ErrBadDNSKey is a DNS update key that cannot be made as asked.
	ErrBadDNSKey = errors.New("ca: bad DNS key")
	// ErrProtectedCert is a /revoke of the server's own TLS certificate or
	// of an OCSP responder's: only the CLI may revoke those.
	ErrProtectedCert = errors.New("ca: this certificate is revoked only with the CLI")

	// ErrNotFound is the store's: no record of that serial, key or id.
	ErrNotFound = store.ErrNotFound
	// ErrNoCA is the store's: it holds no root and intermediate yet.
	ErrNoCA = store.ErrNoCA
	// ErrNoStoreYet means a read found no store file where Home looked:
	// nothing was created there.
	ErrNoStoreYet = errors.New("ca: no store yet")
	// ErrBadEnv is an environment variable Home reads whose value it
	// cannot use ($LOCALCA_LOCK_WAIT that is not a duration).
	ErrBadEnv = errors.New("ca: bad environment variable")

	// ErrInputTooLarge is a file over the limit ReadInput was given.
	ErrInputTooLarge = errors.New("file too large")
	// ErrBadRef is a reference to a certificate, key or CSR that is
	// neither a file nor a serial, fingerprint or id.
	ErrBadRef = errors.New("ca: neither a file nor a serial")

	// ErrUnknownFixture is a broken-on-purpose case that does not exist.
	ErrUnknownFixture = errors.New("ca: unknown fixture case")
	// ErrFixtureUnavailable is a case this CA cannot make (SHA-1 with an
	// Ed25519 CA key).
	ErrFixtureUnavailable = errors.New("ca: fixture case unavailable")
)

// notStored is the error of a failed commit after signing: ErrNotStored,
// with the store's own error, for what; refusals the commit makes by rule
// pass through as they are.
func notStored(what string, err error) error {
	if errors.Is(err, store.ErrKeyRevoked) || errors.Is(err, store.ErrCSRRejected) || errors.Is(err, store.ErrSerialExists) {
		return fmt.Errorf("ca: storing %s: %w", what, err)
	}
	return fmt.Errorf("%w (%s): %w", ErrNotStored, what, err)
}

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

// ErrUnencryptedIntoEtcd refuses to put a CA whose keys are not
// password-protected into etcd, where every node and every snapshot would
// hold them in clear.
var ErrUnencryptedIntoEtcd = errors.New("ca: the CA keys are not encrypted")
