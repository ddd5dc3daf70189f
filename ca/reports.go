package ca

import (
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/localca/localca/internal/logsafe"
	"github.com/localca/localca/store"
)

// The reports here are what the commands that record keys and CSRs,
// revoke, make tokens, set the policy, seal the store and sign CRLs say:
// their JSON for scripts (the keys are part of the command line's
// interface; the fields are in the order of their keys, as a map of them
// printed) and their text for the person at the terminal. The text of the
// key, CSR, revocation and CRL reports, and TokenReport's note, go to
// stderr, beside a PEM or token on stdout: they are escaped as every note
// there is (writeNote), so that a name cannot forge a line.

// KeyReport is what `localca key create` and `key import` say of the key
// they recorded.
type KeyReport struct {
	Algorithm   string `json:"algorithm"`
	File        string `json:"file"` // where the key was written; "" for stdout or none
	Fingerprint string `json:"fingerprint"`
	Size        int    `json:"size"`
}

// Report describes k, written to file.
func (k KeyRecord) Report(file string) KeyReport {
	return KeyReport{Algorithm: k.Algorithm, File: file, Fingerprint: hex.EncodeToString(k.Fingerprint), Size: k.Size}
}

// WriteText writes the line that says what was recorded.
func (r KeyReport) WriteText(w io.Writer) error {
	return writeNote(w, "key %s %d, SHA-256 of SPKI %s", r.Algorithm, r.Size, r.Fingerprint)
}

// CSRReport is what `localca csr create` says of the CSR it recorded.
type CSRReport struct {
	File    string `json:"file"` // as KeyReport's
	ID      string `json:"id"`
	Subject string `json:"subject"`
}

// CSRReportOf describes csr, recorded with id (Home.CreateCSR) and written
// to file.
func CSRReportOf(csr *x509.CertificateRequest, id []byte, file string) CSRReport {
	return CSRReport{File: file, ID: hex.EncodeToString(id), Subject: csr.Subject.String()}
}

// WriteText writes the line that says what was recorded.
func (r CSRReport) WriteText(w io.Writer) error {
	return writeNote(w, "CSR %s recorded (subject %s)", r.ID, r.Subject)
}

// SerialRevocation is what `localca revoke SERIAL` says: its JSON is the
// revocation's (Revoked); its text says more when the serial was the
// intermediate's (CA.RevokeSerial).
type SerialRevocation struct {
	Revoked
	// Intermediate is the revoked intermediate's common name; "" for a
	// leaf.
	Intermediate string `json:"-"`
	// Asked is the serial as it was asked for.
	Asked []byte `json:"-"`
}

// WriteText writes the line that says what was revoked, and for an
// intermediate what follows from it.
func (r SerialRevocation) WriteText(w io.Writer) error {
	if r.Intermediate != "" {
		return writeNote(w, "revoked the intermediate %q (%x) at %s%s: the root's CRL (localca crl --root) lists it, and it signs nothing more; make a new CA with `localca init --force`",
			r.Intermediate, r.Asked, r.RevokedAt.Format(time.RFC3339), reasonSuffix(r.Reason))
	}
	return writeNote(w, "revoked %s at %s%s", r.Serial, r.RevokedAt.Format(time.RFC3339), reasonSuffix(r.Reason))
}

// reasonSuffix is " (reason)" after a revocation's time; "" without one.
func reasonSuffix(name string) string {
	if name != "" {
		return " (" + name + ")"
	}
	return ""
}

// KeyRevocation is what `localca revoke --key` says: the key is marked
// compromised, and these certificates that carried it are revoked.
type KeyRevocation struct {
	Certificates []Revoked `json:"certificates"` // [], not null, when none
	KeyRevoked   bool      `json:"key_revoked"`
}

// KeyRevocationOf describes the revocation of a key and of certs, its
// certificates (CA.RevokeKeyRef).
func KeyRevocationOf(certs []*CertRecord) KeyRevocation {
	r := KeyRevocation{Certificates: []Revoked{}, KeyRevoked: true}
	for _, rc := range certs {
		r.Certificates = append(r.Certificates, RevokedOf(rc))
	}
	return r
}

// WriteText writes a line for the key, then one per certificate.
func (r KeyRevocation) WriteText(w io.Writer) error {
	err := writeNote(w, "key marked compromised; %d certificate(s) revoked with keyCompromise", len(r.Certificates))
	for _, rc := range r.Certificates {
		if err == nil {
			err = writeNote(w, "  %s %s", rc.Serial, strings.Join(rc.Names, ", "))
		}
	}
	return err
}

// CSRRejection is what `localca revoke --csr` says of the CSR it rejected.
type CSRRejection struct {
	CSR string `json:"csr_rejected"` // the CSR's id, hex
}

// WriteText writes the line that says the CSR is rejected.
func (r CSRRejection) WriteText(w io.Writer) error {
	return writeNote(w, "CSR %s rejected: it will never be signed", r.CSR)
}

// TokenReport is what `localca token create` says of the token it made:
// the token itself, the one time it is shown, and what it is for.
type TokenReport struct {
	Allow   []string  `json:"allow"`
	Expires time.Time `json:"expires"`
	For     string    `json:"for"`
	Name    string    `json:"name"`
	Token   string    `json:"token"`
}

// TokenReportOf describes t, whose secret is token (CA.CreateToken).
func TokenReportOf(token string, t *store.Token) TokenReport {
	return TokenReport{Allow: t.Allow, Expires: t.Expires, For: t.For, Name: t.Name, Token: token}
}

// WriteText writes the token alone on its line, for a script's $(...).
func (r TokenReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintln(w, r.Token)
	return err
}

// WriteNote writes, for the person who made the token (on stderr, away
// from the token), what it is for and that it is not shown again.
func (r TokenReport) WriteNote(w io.Writer) error {
	use := "single use"
	if r.For == TokenRead {
		use = "reusable"
	}
	return writeNote(w, "token %q for %s %s, %s, expires %s; it is not shown again", r.Name, r.For, strings.Join(r.Allow, " "), use, r.Expires.Format(time.RFC3339))
}

// writeNote writes one line for the person at the terminal, escaped
// (logsafe.String) so that nothing in it starts a line of its own.
func writeNote(w io.Writer, format string, args ...any) error {
	_, err := fmt.Fprintln(w, logsafe.String(fmt.Sprintf(format, args...)))
	return err
}

// PolicyReport is what `localca policy set` says of the policy it stored.
type PolicyReport struct {
	SetAt   time.Time `json:"set_at"`
	SHA256  string    `json:"sha256"`
	Version int       `json:"version"`
}

// Report describes sp without its text.
func (sp *StoredPolicy) Report() PolicyReport {
	return PolicyReport{SetAt: sp.SetAt, SHA256: sp.SHA256, Version: sp.Version}
}

// WriteText writes the line that says the policy is the store's.
func (r PolicyReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "policy version %d (sha256 %s) is the store's: every node of this store enforces it\n", r.Version, r.SHA256)
	return err
}

// SealReport is what `localca store seal` says: how many secrets it sealed.
type SealReport struct {
	Sealed int `json:"sealed"`
}

// WriteText writes the line that says so.
func (r SealReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "sealed %d secrets; the store seals every secret written to it from now on\n", r.Sealed)
	return err
}

// CRLSummary is what `localca crl` says of the CRLs it signed: its JSON is
// the CRLs' (CRL), its text a line per CRL for the person at the terminal.
type CRLSummary []*CRL

// WriteText writes a line per CRL.
func (s CRLSummary) WriteText(w io.Writer) error {
	for _, l := range s {
		if err := writeNote(w, "CRL number %d, %d revoked certificate(s), next update %s", l.Number, l.Entries, l.NextUpdate.Format(time.RFC3339)); err != nil {
			return err
		}
	}
	return nil
}
