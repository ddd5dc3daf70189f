package ca

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/localca/localca/store"
)

// RevokeIntermediate revokes an intermediate that this store's roots signed,
// found by its serial: from then on its root's CRL lists it (RootCRL), and a
// CA whose intermediate it is refuses to sign. It is a call of its own, not
// part of RevokeCert, so that what may revoke leaves (a /revoke token)
// cannot end the CA.
func (c *CA) RevokeIntermediate(serial []byte, reason int) (*store.Authority, *x509.Certificate, error) {
	if err := checkReason(reason); err != nil {
		return nil, nil, err
	}
	all, err := c.st.Authorities()
	if err != nil {
		return nil, nil, err
	}
	for _, a := range all {
		cert, err := x509.ParseCertificate(a.CertDER)
		if err != nil {
			return nil, nil, fmt.Errorf("ca: authority %.16s… in store: %w", a.ID, err)
		}
		if !bytes.Equal(cert.SerialNumber.Bytes(), serial) {
			continue
		}
		if a.ParentID == "" {
			return nil, nil, fmt.Errorf("ca: revoking %X: %w", serial, store.ErrRootNotRevocable)
		}
		revoked, err := c.st.RevokeAuthority(a.ID, c.opts.Now(), reason)
		if err != nil {
			return nil, nil, fmt.Errorf("ca: revoking the intermediate %X: %w", serial, err)
		}
		return revoked, cert, nil
	}
	return nil, nil, fmt.Errorf("ca: revoking %X: %w: no certificate or intermediate with that serial", serial, store.ErrNotFound)
}

// usable refuses to sign with a revoked intermediate. Commands load the CA
// anew each time, so what Load read will do (fresh false); the server, which
// keeps one CA for its whole life, asks the store on each request.
func (c *CA) usable(fresh bool) error {
	if fresh {
		return c.usableIn(c.st)
	}
	return revokedErr(c.inter)
}

// usableIn is usable with the intermediate read anew from st.
func (c *CA) usableIn(st *store.Store) error {
	a, err := st.Authority(c.inter.ID)
	if err != nil {
		return err
	}
	return revokedErr(a)
}

func revokedErr(a *store.Authority) error {
	if !a.RevokedAt.IsZero() {
		return fmt.Errorf("%w (revoked %s)", ErrIntermediateRevoked, a.RevokedAt.Format(time.RFC3339))
	}
	return nil
}

// IntermediateRevoked says when the CA's intermediate was revoked, with the
// reason code; a zero time means it is not.
func (c *CA) IntermediateRevoked() (time.Time, int) { return c.inter.RevokedAt, c.inter.Reason }
