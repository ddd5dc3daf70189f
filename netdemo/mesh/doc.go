// Package mesh brings up a set of services that find each other by DNS SRV
// and talk over mutual TLS, and calls them: what `localca up` and
// `localca call` do, for any PKI.
//
// It is given what it needs from outside as values: an Issuer that returns
// a fresh certificate for a service, the roots to trust, a revocation check
// for every peer, and the DNS zone to register in (or a dnssrv.Backing,
// such as the CA's store, that Up builds the zone from and follows, so
// that records other processes add are served too). It imports no CA and
// no store, so a program with its own PKI can run the same mesh.
//
// Each service gets a certificate with its DNS name and exactly one URI SAN
// (spiffe://ZONE/NAME), SRV, A and TXT records in the zone, and an mTLS
// server that admits only the services its allow list names. Certificates
// renew at two thirds of their life, with jitter, and are hot-reloaded.
package mesh
