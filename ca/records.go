package ca

import "github.com/localca/localca/store"

// The store's records as the CA hands them out. They are the store's own
// types under the CA's names, so that a program that drives the CA (the
// command line among them) reads what the CA returns without reaching into
// the store.
type (
	// Store is an open store; Home.OpenStore and Opener return one.
	Store = store.Store
	// CertRecord is an issued certificate as the store keeps it: its DER,
	// names, profile, status and revocation.
	CertRecord = store.Cert
	// CertFilter selects certificates for Home.Certificates: a status, a
	// name, an expiry window, a limit.
	CertFilter = store.Filter
	// Event is an entry of the store's log.
	Event = store.Event
)

// Certificate statuses, as CertRecord.StatusAt and CertFilter.Status
// spell them.
const (
	CertValid   = store.CertValid
	CertRevoked = store.CertRevoked
	CertExpired = store.CertExpired
)

// NoReason is the reason code of a revocation that gives none.
const NoReason = store.NoReason
