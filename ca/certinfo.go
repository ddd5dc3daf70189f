package ca

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/localca/localca/internal/certpem"
	"github.com/localca/localca/store"
)

// CertInfo describes a certificate for people and scripts: what `show`,
// `list --json` and `ca info` print. Its JSON form is part of the command
// line's interface.
type CertInfo struct {
	Serial          string    `json:"serial"`
	Subject         string    `json:"subject"`
	Issuer          string    `json:"issuer"`
	Names           []string  `json:"names,omitempty"`
	NotBefore       time.Time `json:"not_before"`
	NotAfter        time.Time `json:"not_after"`
	ValidityLeft    string    `json:"validity_left"`
	Key             string    `json:"key"`
	KeyFingerprint  string    `json:"key_fingerprint"`
	SHA256          string    `json:"sha256_fingerprint"`
	IsCA            bool      `json:"is_ca"`
	KeyUsage        []string  `json:"key_usage,omitempty"`
	ExtKeyUsage     []string  `json:"ext_key_usage,omitempty"`
	Profile         string    `json:"profile,omitempty"`
	Status          string    `json:"status,omitempty"`
	RevokedAt       time.Time `json:"revoked_at,omitzero"`
	RevokedReason   string    `json:"revocation_reason,omitempty"`
	InStore         bool      `json:"in_store"`
	NameConstraints []string  `json:"name_constraints,omitempty"`
}

// Describe describes cert as of now; rec, its record in the store (nil when
// it is not there), adds the profile and the revocation status.
func Describe(cert *x509.Certificate, rec *store.Cert, now time.Time) CertInfo {
	fp, _ := Fingerprint(cert.PublicKey)
	sum := sha256.Sum256(cert.Raw)
	alg, size := DescribeKey(cert.PublicKey)
	in := CertInfo{
		Serial: FormatSerial(cert.SerialNumber.Bytes()), Subject: cert.Subject.String(), Issuer: cert.Issuer.String(),
		Names:     names(cert.DNSNames, cert.IPAddresses, cert.EmailAddresses, cert.URIs),
		NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, ValidityLeft: left(cert.NotAfter, now),
		Key: fmt.Sprintf("%s %d", alg, size), KeyFingerprint: hex.EncodeToString(fp), SHA256: hex.EncodeToString(sum[:]),
		IsCA: cert.IsCA, KeyUsage: keyUsages(cert.KeyUsage), ExtKeyUsage: extKeyUsages(cert.ExtKeyUsage),
	}
	for _, d := range cert.PermittedDNSDomains {
		in.NameConstraints = append(in.NameConstraints, "permit DNS "+d)
	}
	for _, r := range cert.PermittedIPRanges {
		in.NameConstraints = append(in.NameConstraints, "permit IP "+r.String())
	}
	for _, d := range cert.PermittedURIDomains {
		in.NameConstraints = append(in.NameConstraints, "permit URI "+d)
	}
	if rec != nil {
		in.InStore, in.Profile, in.Status = true, rec.Profile, rec.StatusAt(now)
		if rec.Status == store.CertRevoked {
			in.RevokedAt = rec.RevokedAt
			in.RevokedReason = ReasonName(rec.Reason)
		}
	} else if now.After(cert.NotAfter) {
		in.Status = store.CertExpired
	}
	return in
}

// left says how long a certificate has to live, in the unit that reads best.
func left(notAfter, now time.Time) string {
	d := notAfter.Sub(now)
	switch {
	case d <= 0:
		return "expired " + roundDur(-d) + " ago"
	default:
		return roundDur(d)
	}
}

func roundDur(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return d.Round(time.Second).String()
	}
}

func keyUsages(ku x509.KeyUsage) []string {
	names := []string{"digitalSignature", "contentCommitment", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"}
	var out []string
	for i, n := range names {
		if ku&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func extKeyUsages(ekus []x509.ExtKeyUsage) []string {
	m := map[x509.ExtKeyUsage]string{
		x509.ExtKeyUsageServerAuth: "serverAuth", x509.ExtKeyUsageClientAuth: "clientAuth",
		x509.ExtKeyUsageOCSPSigning: "OCSPSigning", x509.ExtKeyUsageCodeSigning: "codeSigning",
		x509.ExtKeyUsageEmailProtection: "emailProtection", x509.ExtKeyUsageAny: "any",
	}
	var out []string
	for _, e := range ekus {
		if n, ok := m[e]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprint(int(e)))
		}
	}
	return out
}

// ParseCertificates reads every CERTIFICATE block of a PEM bundle (other
// blocks, such as a key beside the chain, are passed over), or one DER
// certificate.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	certs, err := certpem.Parse(data)
	switch {
	case errors.Is(err, certpem.ErrNoCertificate):
		return nil, fmt.Errorf("%w: %v", ErrBadPEM, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrBadCertificate, err)
	}
	return certs, nil
}
