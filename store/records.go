package store

import (
	"time"

	"github.com/localca/localca/internal/serialhex"
)

// Authority is a CA certificate the store can sign with: a root or an
// intermediate. KeyPEM is a PKCS#8 PEM, encrypted (PBES2) unless the CA was
// made with no password; the store keeps it as given.
type Authority struct {
	ID        string    `json:"id"`   // hex SHA-256 of CertDER
	Role      string    `json:"role"` // "root" or "intermediate"
	CertDER   []byte    `json:"cert_der"`
	KeyPEM    []byte    `json:"key_pem"`
	Encrypted bool      `json:"encrypted"`
	ParentID  string    `json:"parent_id,omitempty"`
	CRLNumber uint64    `json:"crl_number"`
	Created   time.Time `json:"created"`
	// RevokedAt is when an intermediate was revoked (zero: it is not), and
	// Reason the RFC 5280 reason code or NoReason. Its parent's CRL lists it
	// (RevokeAuthority).
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	Reason    int       `json:"reason,omitempty"`
}

// Key statuses.
const (
	KeyActive      = "active"
	KeyCompromised = "compromised"
)

// Key is a key pair localca made or was given. Fingerprint is the SHA-256 of
// its SubjectPublicKeyInfo; PEM is the private key when localca holds it
// (PKCS#8, encrypted when a password was set) and empty for a key seen only
// through a CSR.
type Key struct {
	Fingerprint []byte    `json:"fingerprint"`
	Algorithm   string    `json:"algorithm"` // rsa, ecdsa, ed25519
	Size        int       `json:"size"`      // bits; 256/384 for curves
	Label       string    `json:"label,omitempty"`
	Status      string    `json:"status"`
	PEM         []byte    `json:"pem,omitempty"`
	Created     time.Time `json:"created"`
	RevokedAt   time.Time `json:"revoked_at,omitzero"`
}

// CSR statuses.
const (
	CSRPending  = "pending"
	CSRSigned   = "signed"
	CSRRejected = "rejected"
)

// CSR is a certificate request localca made or was asked to sign. ID is the
// SHA-256 of its DER.
type CSR struct {
	ID             []byte    `json:"id"`
	DER            []byte    `json:"der"`
	Subject        string    `json:"subject"`
	Names          []string  `json:"names,omitempty"`
	KeyFingerprint []byte    `json:"key_fingerprint"`
	Status         string    `json:"status"`
	Created        time.Time `json:"created"`
}

// Certificate statuses. "expired" is not stored: it is derived from NotAfter.
const (
	CertValid   = "valid"
	CertRevoked = "revoked"
	CertExpired = "expired"
)

// NoReason marks a revocation without a reason code: the CRL entry and the
// OCSP answer then carry none (RFC 5280 §5.3.1: absent rather than
// unspecified).
const NoReason = -1

// Cert is an issued certificate with what the CA knows about it.
type Cert struct {
	Serial         []byte // big-endian, as in the certificate
	DER            []byte
	IssuerID       string // Authority.ID of the signer; "" for self-signed
	KeyFingerprint []byte
	CSRID          []byte // nil when the CA made the CSR in the same step
	Profile        string
	Names          []string // DNS names, IPs, emails and URIs, as issued
	NotAfter       time.Time
	Status         string
	RevokedAt      time.Time
	Reason         int // RFC 5280 CRLReason, or NoReason

	id uint64 // its time-ordered id in the store
}

// SerialHex is the serial as localca prints serials everywhere: as `openssl
// x509 -serial` does, upper-case hex, two digits an octet.
func (c *Cert) SerialHex() string { return serialhex.Format(c.Serial) }

// StatusAt is the certificate's status at time t: revoked wins over expired.
func (c *Cert) StatusAt(t time.Time) string {
	if c.Status == CertRevoked {
		return CertRevoked
	}
	if t.After(c.NotAfter) {
		return CertExpired
	}
	return CertValid
}

// Token is a credential for the CA's HTTP endpoints. Only the SHA-256 of
// the secret is stored. For says what it may do ("sign", "revoke": once;
// "read": until it expires) and Allow which names ("" For: an older
// localca's token, which the CA refuses).
type Token struct {
	Hash    []byte    `json:"hash"`
	Name    string    `json:"name"`
	For     string    `json:"for,omitempty"`
	Allow   []string  `json:"allow,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	Used    time.Time `json:"used,omitzero"`
}

// Event is one line of the append-only log of what happened.
type Event struct {
	Seq    uint64    `json:"seq"`
	Time   time.Time `json:"time"`
	Kind   string    `json:"kind"` // e.g. "cert.issued", "cert.revoked", "ca.init"
	Ref    string    `json:"ref"`  // serial, fingerprint or id the event is about
	Detail string    `json:"detail,omitempty"`
}
