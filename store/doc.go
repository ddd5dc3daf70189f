// Package store keeps everything localca knows: the authorities (root and
// intermediate, with their encrypted keys and CRL numbers), every key, CSR
// and certificate it has seen or made, their revocations, one-time tokens,
// DNS records, settings, the ACME server's state and an event log.
//
// The records live in one ordered keyspace of prefixed keys (layout.go)
// behind a Backend (backend.go): a bbolt file by default (OpenBolt: two
// B+trees, one for the prefixes whose keys arrive in key order and one for
// those whose keys arrive in none, each split as suits it, and every range
// across both merged in key order), or any engine that keeps the Backend contract, which the suite
// in store/backendtest checks (the etcd engine, etcd.go). The typed API is
// written once, on Backend: a certificate, its index entries, its CSR's new
// status and its checks (serial new, issuer not revoked, key not
// compromised, CSR not rejected) are one transaction, so after a crash
// either all of it is there or none, and on etcd every key a check read is
// a condition of the commit. Callers commit a certificate before they hand
// it to anyone: "nothing acknowledged is ever lost".
//
// Certificates are keyed by a time-ordered id rather than by their serial:
// appends touch only the last page of their range, where random keys would
// dirty a page per certificate. Index values point to that id instead of
// copying a record, and a certificate's record is its issuance's event
// (Events merges it with the event/ range), so an issuance writes the
// certificate, four or five small index entries and, for a new key, the
// key: nothing twice.
//
// Concurrent Commit calls share one transaction and one fsync (group
// commit, group.go, through Backend.Batch): the first caller leads, takes
// every record queued behind it, and commits them together; a refused
// record fails alone; a lone caller never waits for company. In a bbolt
// file, a group that follows another within walApplyDelay is one sync of
// a log beside the file, which the file takes in later (bolt_wal.go); a
// write after a pause goes into the file directly.
//
// Schema: a file of schema 1 or 2 (a bbolt bucket per kind) or 3 (the
// keyspace in one bbolt bucket) is migrated by Migrate (`localca store
// migrate`: a backup first, then the records in the new layout, then a
// rename), or by Open itself when Options.Migrate allows it (the CLI's
// one-shot commands, below MigrateLimit certificates). A file of schema 4
// keeps, where schema 2 looked for its version, a value that schema 2 and
// 3 refuse by quoting it: it names the localca that reads it. The keyspace
// itself (meta/schema) is the same in a file of schema 3 or 4 and in etcd:
// keyspace 3, or 4 once a writable open has marked it (its key records may
// keep an ECDSA key as its scalar, keypem.go), which a localca of keyspace
// 3 refuses the same way. A bbolt file of schema 4 also keeps a copy of
// meta/schema in a tiny bucket of its root page (bolt.go's boltMarkBucket),
// written with it, so that opening a large store reads no page of its trees.
//
// Crashes and failures: a process killed at any moment leaves either all of
// a transaction or none of it, and its file lock dies with it, so the next
// Open succeeds at once; Check runs the engine's consistency check. A CRL's
// number and its entries are read in one write transaction (NextCRL), so a
// higher-numbered CRL never lists less. Options.BeforeCommit lets tests make
// any write transaction fail just before it commits.
//
// The store never knows what a policy is and imports no other localca
// package (an internal/ helper aside); it stores what the ca package decided.
package store
