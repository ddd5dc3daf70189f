package ca

import (
	"context"
	"crypto/x509"
)

// Local is this machine's CA as the servers that run beside the other
// localca commands use it (demos, services): Open opens it for each call
// alone, so that revoke, list or issue keep working while the servers
// run, and each call takes what it needs of the CA and no more.
type Local struct {
	// Open opens the CA as a says (Home.Open, with the caller's options
	// and notices).
	Open func(a Access) (*CA, error)
}

// Issue issues req, the CA made on first use and the store opened only to
// commit.
func (l Local) Issue(req IssueRequest) (*Issued, error) {
	authority, err := l.Open(Access{InitIfNone: true})
	if err != nil {
		return nil, err
	}
	return authority.Issue(req)
}

// Trust is what a peer of the CA's certificates trusts: the root, and the
// certificates whose CRLs the CA signs (intermediate, then root). It needs
// no key and no password.
func (l Local) Trust() (root *x509.Certificate, issuers []*x509.Certificate, err error) {
	authority, err := l.Open(Access{ReadOnly: true})
	if err != nil {
		return nil, nil, err
	}
	return authority.Root(), []*x509.Certificate{authority.Intermediate(), authority.Root()}, nil
}

// CRLs are the revocation source of servers beside the CA, with no
// `localca serve` needed: fresh CRLs, the intermediate's and the root's,
// as PEM, from the store at each call. The store is held only while the
// CRLs are numbered, not while the key is decrypted.
func (l Local) CRLs(context.Context) ([]byte, error) {
	authority, err := l.Open(Access{})
	if err != nil {
		return nil, err
	}
	lists, err := authority.CRLs(true, true, CRLOptions{})
	return JoinCRLs(lists, false), err
}
