package main

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// certInfo is what `show`, `list --json` and `ca info` print about a
// certificate.
type certInfo struct {
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

func newCertInfo(cert *x509.Certificate, rec *store.Cert, now time.Time) certInfo {
	fp, _ := ca.Fingerprint(cert.PublicKey)
	sum := sha256.Sum256(cert.Raw)
	alg, size := ca.DescribeKey(cert.PublicKey)
	in := certInfo{
		Serial: hex.EncodeToString(cert.SerialNumber.Bytes()), Subject: cert.Subject.String(), Issuer: cert.Issuer.String(),
		Names:     certNames(cert),
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
			in.RevokedReason = reasonName(rec.Reason)
		}
	} else if now.After(cert.NotAfter) {
		in.Status = store.CertExpired
	}
	return in
}

func certNames(cert *x509.Certificate) []string {
	out := append([]string(nil), cert.DNSNames...)
	for _, ip := range cert.IPAddresses {
		out = append(out, ip.String())
	}
	out = append(out, cert.EmailAddresses...)
	for _, u := range cert.URIs {
		out = append(out, u.String())
	}
	return out
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

func (in certInfo) print(w io.Writer) {
	row := func(k, v string) {
		if v != "" {
			// show FILE reads certificates from anywhere: what their
			// subject says reaches the terminal escaped.
			fmt.Fprintf(w, "%-16s %s\n", k+":", printable(v))
		}
	}
	row("Serial", in.Serial)
	row("Subject", in.Subject)
	row("Names", strings.Join(in.Names, ", "))
	row("Issuer", in.Issuer)
	row("Valid", fmt.Sprintf("%s to %s (%s)", in.NotBefore.UTC().Format(time.RFC3339), in.NotAfter.UTC().Format(time.RFC3339), in.ValidityLeft))
	row("Key", in.Key)
	row("Key SHA-256", in.KeyFingerprint)
	row("Cert SHA-256", in.SHA256)
	if in.IsCA {
		row("CA", "yes")
	}
	row("Key usage", strings.Join(in.KeyUsage, ", "))
	row("Ext key usage", strings.Join(in.ExtKeyUsage, ", "))
	for _, nc := range in.NameConstraints {
		row("Constraint", nc)
	}
	row("Profile", in.Profile)
	status := in.Status
	if !in.RevokedAt.IsZero() {
		status += " at " + in.RevokedAt.UTC().Format(time.RFC3339)
		if in.RevokedReason != "" {
			status += " (" + in.RevokedReason + ")"
		}
	}
	if !in.InStore {
		status = strings.TrimSpace(status + " (not in this store)")
	}
	row("Status", status)
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

// reasonName is the RFC 5280 name of a CRL reason code.
func reasonName(r int) string {
	if r == store.NoReason {
		return ""
	}
	for name, code := range reasonCodes {
		if code == r {
			return name
		}
	}
	return fmt.Sprint(r)
}

var reasonCodes = map[string]int{
	"unspecified": 0, "keyCompromise": 1, "cACompromise": 2, "affiliationChanged": 3,
	"superseded": 4, "cessationOfOperation": 5, "privilegeWithdrawn": 9, "aACompromise": 10,
}
