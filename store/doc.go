// Package store keeps everything localca knows in one bbolt file: the
// authorities (root and intermediate, with their encrypted keys and CRL
// numbers), every key, CSR and certificate it has seen or made, their
// revocations, one-time tokens, DNS records and an append-only event log.
//
// Why bbolt: one file, ACID transactions and no server. A certificate, its
// indexes, its CSR's new status and the event that records them are written
// in one transaction, so after a crash either all of it is there or none.
// Callers commit a certificate before they hand it to anyone: "nothing
// acknowledged is ever lost".
//
// Layout (bucket → key → value):
//
//	authorities      id (hex SHA-256 of the certificate) → Authority (JSON)
//	meta             "schema", "root", "intermediate", "setting/NAME" → value
//	keys             SHA-256 of SPKI → Key (JSON)
//	csrs             SHA-256 of DER → CSR (JSON)
//	certs            sequence (8 bytes, big endian) → Cert (compact binary)
//	serials          serial bytes → sequence
//	certs_by_key     key fingerprint ‖ sequence → ""
//	certs_by_name    lower-case name ‖ 0x00 ‖ sequence → ""
//	certs_by_expiry  not-after (unix, 8 bytes) ‖ sequence → ""
//	revoked          sequence → ""  (what a CRL lists, without a scan)
//	tokens           SHA-256 of the token → Token (JSON)
//	dns              record in zone-file form → ""
//	events           sequence → Event (compact binary)
//
// Certificates are keyed by a time-ordered sequence rather than by their
// serial: appends touch only the last page of the B+tree, where random keys
// would dirty a page per certificate. The serials bucket maps a serial back
// to its sequence and is where uniqueness is checked, inside the same
// transaction that stores the certificate; the CA's serials start with the
// issue time, so that index mostly appends too.
//
// Concurrent Commit calls share one transaction and one fsync (group
// commit, group.go): the first caller leads, takes every record queued
// behind it, checks each (a refused record fails alone) and commits them
// together; a lone caller never waits for company.
//
// Crashes and failures: a process killed at any moment leaves either all of
// a transaction or none of it, and its file lock dies with it, so the next
// Open succeeds at once; Check runs bbolt's consistency check. A CRL's
// number and its entries are read in one write transaction (NextCRL), so a
// higher-numbered CRL never lists less. Options.BeforeCommit lets tests make
// any write transaction fail just before it commits.
//
// The store never knows what a policy is and imports no other localca
// package; it stores what the ca package decided.
package store
