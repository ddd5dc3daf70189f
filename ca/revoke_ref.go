package ca

import (
	"errors"
	"fmt"
	"time"
)

// Revoked is a revocation as scripts read it (`localca revoke --json`).
type Revoked struct {
	Serial    string    `json:"serial"`
	RevokedAt time.Time `json:"revoked_at"`
	Reason    string    `json:"reason,omitempty"`
	Names     []string  `json:"names,omitempty"`
}

// RevokedOf is the revocation of a revoked certificate's record.
func RevokedOf(rec *CertRecord) Revoked {
	return Revoked{Serial: rec.SerialHex(), RevokedAt: rec.RevokedAt, Reason: ReasonName(rec.Reason), Names: rec.Names}
}

// RevokeSerial revokes the certificate with that serial as RevokeCert
// does, or, when no issued certificate has it, the intermediate that has
// it (RevokeIntermediate; intermediate is then its subject's common name).
// An unknown serial keeps RevokeCert's ErrNotFound.
func (c *CA) RevokeSerial(serial []byte, reason int) (r Revoked, intermediate string, err error) {
	rec, err := c.RevokeCert(serial, reason)
	if err == nil {
		return RevokedOf(rec), "", nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Revoked{}, "", err
	}
	a, cert, ierr := c.RevokeIntermediate(serial, reason)
	if errors.Is(ierr, ErrNotFound) {
		return Revoked{}, "", err
	}
	if ierr != nil {
		return Revoked{}, "", ierr
	}
	return RevokedOf(&CertRecord{Serial: serial, RevokedAt: a.RevokedAt, Reason: a.Reason}), cert.Subject.CommonName, nil
}

// RevokeKeyRef marks compromised the key that ref names (see RevokeKey):
// a file holding the private key, its public key, a certificate or a CSR;
// or, when no file has that name, the key's SHA-256 fingerprint in hex
// (RevokeKeyFingerprint). It returns the certificates it revoked.
func (c *CA) RevokeKeyRef(ref string) ([]*CertRecord, error) {
	if fp, ok := refID(ref); ok {
		return c.RevokeKeyFingerprint(fp)
	}
	data, err := ReadInput(ref, MaxInputFile)
	if err != nil {
		return nil, fmt.Errorf("%w (give a file or a 64-hex-digit fingerprint)", err)
	}
	pub, err := PublicKeyOf(data)
	if err != nil {
		return nil, err
	}
	return c.RevokeKey(pub)
}

// RejectCSRRef rejects the CSR that ref names (see RejectCSR): a CSR file,
// or, when no file has that name, its id in hex (RejectCSRID). It returns
// the CSR's id.
func (c *CA) RejectCSRRef(ref string) ([]byte, error) {
	if id, ok := refID(ref); ok {
		return id, c.RejectCSRID(id)
	}
	data, err := ReadInput(ref, MaxInputFile)
	if err != nil {
		return nil, fmt.Errorf("%w (give a file or a 64-hex-digit CSR id)", err)
	}
	id, err := c.RejectCSR(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	return id, nil
}
