// Package ca is the certificate authority of localca: keys and encrypted key
// files, CSRs, signing from policy, the root + intermediate hierarchy, and
// revocation with CRLs, an OCSP responder and the CA's HTTP endpoints.
//
// # Opening the CA of a home
//
// Home finds a CA the way the localca command does: the home folder
// (Home.Dir, $LOCALCA_HOME, $XDG_DATA_HOME/localca), the store in it or
// elsewhere (a file, or etcd://), and the policy (a file, HOME/policy.toml,
// or the built-in one), each checked as OpenSSH's StrictModes checks ~/.ssh
// before it is read. Home.Open opens the CA in one call: read-only, held
// open, or connected (the store opened again only to commit), and made on
// first use when asked (Access). Home's other methods read or record
// without a CA: Certificates, Events, Stored, DescribeRef, Backup,
// RecordKey, NewKey.
//
// # Issuing
//
// Init makes a root and an intermediate and stores them; Load opens them
// again. Sign, SignRequest and Issue build every certificate from the policy
// alone and commit it to the store before they return it.
//
// Every CSR passes ParseCSR first (SignRequest repeats its checks on a
// parsed one): its signature must verify and must not be made with SHA-1
// (ErrWeakSignature),
// and it must not ask for CA powers: a CSR requesting CA:TRUE, keyCertSign or
// cRLSign is refused with a *CARequestError naming each request
// (ErrCSRRequestsCA), not signed as a plain leaf. Other requested
// extensions are ignored. The policy then refuses more than
// policies.MaxNames (100) names and keys below its floor (RSA under 2048
// bits). A refused CSR leaves nothing in the store.
//
// # Revocation
//
// RevokeCert revokes one certificate with an RFC 5280 reason (ParseReason;
// store.NoReason writes none, and certificateHold is refused: a revocation is
// final). RevokeKey / RevokeKeyFingerprint mark a key compromised: every
// certificate that carries it is revoked with keyCompromise in the same
// transaction, and any later CSR or certificate for it fails with
// store.ErrKeyRevoked. RejectCSR / RejectCSRID reject a CSR so that it can
// never be signed. Every revocation is committed before the call returns; an
// unknown serial (store.ErrNotFound) or a second revocation
// (store.ErrAlreadyRevoked) changes nothing.
//
// # CRLs
//
// CRL signs the intermediate's CRL and RootCRL the root's (which covers the
// intermediates and is usually empty). Each lists the revoked certificates
// that have not expired, with revocation time and reason, carries an AKI and
// a nextUpdate (CRLOptions.NextUpdate, a week by default), and a CRL number
// that the store increments and commits first, so it never repeats across
// restarts or concurrent callers.
//
// # OCSP
//
// Responder answers RFC 6960 requests: good, revoked (time and reason), or
// unknown for a serial the intermediate never issued; "unauthorized" for
// another issuer. A request's nonce (RFC 8954, up to 128 octets) is echoed in
// the responseExtensions; x/crypto/ocsp parses requests, but its encoder
// would put the nonce in the singleExtensions, so responses are encoded here.
// Answers are signed by a delegated responder certificate the intermediate
// issues: EKU OCSPSigning, id-pkix-ocsp-nocheck, 24 hours, its key in memory
// only, re-issued on its own when a third of its life is left, and recorded
// in the store with profile "ocsp-responder". The root itself answers for
// the intermediate.
//
// # The HTTP endpoints
//
// Server serves, over TLS with a certificate the CA issues to itself
// (TLSCertificate): /roots.pem, /intermediates.pem, /intermediate.crt, /crl,
// /crl/root, /ocsp (GET and POST), /sign and /revoke (each with a one-time
// token made by CreateToken; only the token's SHA-256 is stored), and
// /healthz. Errors are JSON {"error": "..."} with 400, 401, 403, 404, 405,
// 409, 413, 422 or 503. Every request runs under a deadline and a 64 KiB body
// limit; Serve shuts down gracefully when its context ends.
//
// bbolt locks its file for as long as a store is open, so a server that kept
// the store open would lock every other localca command out. The server
// therefore takes an Opener and holds the store only while requests run
// (concurrent requests share one open store); the CA keys are decrypted once
// (Unlock) and shared with per-request copies. The served
// CRL is cached and re-signed only when the store's revocations change or
// half its validity has passed, so revocations made by another process show
// at the next fetch and fetching alone does not burn CRL numbers.
package ca
