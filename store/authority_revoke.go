package store

import (
	"crypto/x509"
	"fmt"
	"time"
)

// RevokeAuthority revokes an intermediate: from then on its parent's CRL
// lists it, with at and reason (NoReason for none), until it expires. The
// intermediate's own record says so, and a CA that finds its intermediate
// revoked refuses to sign with it. A second revocation is ErrAlreadyRevoked.
func (s *Store) RevokeAuthority(id string, at time.Time, reason int) (*Authority, error) {
	if at.IsZero() {
		at = s.now()
	}
	var a *Authority
	err := s.update(func(tx WriteTx) error {
		var err error
		if a, err = authority(tx, id); err != nil {
			return err
		}
		switch {
		case a.ParentID == "":
			return ErrRootNotRevocable
		case !a.RevokedAt.IsZero():
			return fmt.Errorf("%w: intermediate %.16s… (at %s)", ErrAlreadyRevoked, id, a.RevokedAt.Format(time.RFC3339))
		}
		a.RevokedAt, a.Reason = at.UTC(), reason
		if err := putRecord(tx, authorityKey(id), a); err != nil {
			return err
		}
		// The mark Commit checks: the intermediate signs nothing more.
		if err := tx.Put(authorityRevokedKey(id), nil); err != nil {
			return err
		}
		return s.addEvent(tx, "ca.revoked", id, fmt.Sprintf("reason %d", reason))
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// forEachRevokedAuthority calls fn, as forEachRevoked does for the
// certificates it issued, for every revoked and unexpired intermediate that
// parentID signed.
func forEachRevokedAuthority(tx ReadTx, parentID string, now time.Time, fn func(*Cert) error) error {
	var revoked []*Authority
	err := forEachAuthority(tx, func(a *Authority) error {
		if a.ParentID == parentID && !a.RevokedAt.IsZero() {
			revoked = append(revoked, a)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, a := range revoked {
		cert, err := x509.ParseCertificate(a.CertDER)
		if err != nil {
			return fmt.Errorf("%w: authority %.16s…: %v", ErrCorrupt, a.ID, err)
		}
		if now.After(cert.NotAfter) {
			continue
		}
		err = fn(&Cert{Serial: cert.SerialNumber.Bytes(), DER: a.CertDER, IssuerID: parentID,
			NotAfter: cert.NotAfter, Status: CertRevoked, RevokedAt: a.RevokedAt, Reason: a.Reason, Profile: "intermediate"})
		if err != nil {
			return err
		}
	}
	return nil
}
