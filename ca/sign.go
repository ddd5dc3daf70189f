package ca

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
)

// SignOptions choose how a CSR is signed.
type SignOptions struct {
	// Profile is server, client or peer; "" means server.
	Profile string
	// Validity is how long the certificate lasts; 0 means the profile's
	// default. More than the profile's maximum is refused by the policy.
	Validity time.Duration
}

// Issued is a certificate the CA has committed to its store.
type Issued struct {
	Cert   *x509.Certificate
	Issuer *x509.Certificate // nil for self-signed
	Record *store.Cert
	// Key and KeyPEM are set by Issue, which makes the key too.
	Key    crypto.Signer
	KeyPEM []byte
	// KeySealed says that the store keeps the key sealed with the CA
	// password and it was read without it (Stored; CA.Stored opens it).
	KeySealed bool
}

// PEM is the leaf alone.
func (i *Issued) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: i.Cert.Raw})
}

// ChainPEM is the leaf followed by its intermediate: what a server sends.
// The root is left out; clients hold it.
func (i *Issued) ChainPEM() []byte {
	out := i.PEM()
	if i.Issuer != nil {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: i.Issuer.Raw})...)
	}
	return out
}

// Sign checks a CSR (its signature, its key, its names, against the policy)
// and signs it with the intermediate. The certificate is built from the
// policy alone: the CSR gives its public key and the names it asks for, and
// nothing else of it is copied, so a CSR that asks for an odd EKU gets the
// profile's. A CSR that asks for CA powers (CA:TRUE, keyCertSign, cRLSign)
// or is signed with SHA-1 is refused (checkCSR), with nothing stored. The
// certificate is committed to the store, with its CSR marked signed, before
// Sign returns.
func (c *CA) Sign(csrPEM []byte, opts SignOptions) (*Issued, error) {
	csr, err := ParseCSR(csrPEM)
	if err != nil {
		return nil, err
	}
	return c.SignRequest(csr, opts)
}

// SignRequest is Sign for a parsed CSR whose signature the caller checked
// (ParseCSR does). It applies checkCSR again, which costs no cryptography,
// so a CSR parsed with x509.ParseCertificateRequest alone cannot skip it.
func (c *CA) SignRequest(csr *x509.CertificateRequest, opts SignOptions) (*Issued, error) {
	if err := checkCSR(csr); err != nil {
		return nil, err
	}
	rec, key, err := csrRecord(csr)
	if err != nil {
		return nil, err
	}
	return c.issue(csr, opts, store.Record{Key: key, CSR: rec}, true)
}

// issue is the one path every issuance takes: policy, template, signature
// (prepare), commit.
//
// The CSR's record is kept only when keepCSR says the request came from the
// user: the CSR that Issue makes for its own key says nothing the
// certificate does not, and keeping it would double what an issue stores.
func (c *CA) issue(csr *x509.CertificateRequest, opts SignOptions, rec store.Record, keepCSR bool) (*Issued, error) {
	for attempt := 0; ; attempt++ {
		iss, full, err := c.prepare(csr, opts, rec)
		if err != nil {
			return nil, err
		}
		if !keepCSR {
			full.CSR, full.Cert.CSRID = nil, nil
		}
		err = c.commit(full)
		if errors.Is(err, store.ErrSerialExists) && attempt < 3 {
			continue // 64 random bits: this does not happen, but if it does, draw again
		}
		if errors.Is(err, ErrIntermediateRevoked) {
			return nil, err
		}
		if err != nil {
			return nil, notStored(fmt.Sprintf("certificate for CSR for %q", firstName(csr)), err)
		}
		return iss, nil
	}
}

// Prepare checks a parsed CSR as SignRequest does (checkCSR, the policy) and
// signs it, but stores nothing: it returns the certificate with the record
// that must be committed before the certificate is handed to anyone. It is
// for callers that store the certificate together with records of their own
// in one transaction (the ACME server marks the order valid in the
// transaction that stores its certificate).
func (c *CA) Prepare(csr *x509.CertificateRequest, opts SignOptions) (*Issued, store.Record, error) {
	if err := checkCSR(csr); err != nil {
		return nil, store.Record{}, err
	}
	rec, key, err := csrRecord(csr)
	if err != nil {
		return nil, store.Record{}, err
	}
	return c.prepare(csr, opts, store.Record{Key: key, CSR: rec})
}

// prepare is policy, template and signature: everything of an issuance but
// the commit.
func (c *CA) prepare(csr *x509.CertificateRequest, opts SignOptions, rec store.Record) (*Issued, store.Record, error) {
	if err := c.usable(false); err != nil {
		return nil, rec, err
	}
	what := fmt.Sprintf("CSR for %q", firstName(csr))
	// A compromised key or a rejected CSR is refused by the store's commit,
	// in the transaction that would store the certificate: the one check
	// that cannot race a revocation. (Checking before signing too would cost
	// two reads on every issuance to save a signature in the rare refusal.)
	req := policies.RequestFromCSR(csr, opts.Profile)
	req.Validity = opts.Validity
	d, err := c.opts.Policy.Check(req)
	if err != nil {
		return nil, rec, fmt.Errorf("ca: signing %s: %w", what, err)
	}
	if d.IsCA {
		return nil, rec, fmt.Errorf("ca: signing %s: %w (profile %q)", what, ErrCAProfile, d.Profile)
	}
	_, signer, err := c.signers()
	if err != nil {
		return nil, rec, err
	}
	now := c.opts.Now().UTC().Truncate(time.Second)
	tmpl := c.leafTemplate(d, now, c.interCert.NotAfter)
	der, err := c.createCert(tmpl, c.interCert, csr.PublicKey, signer)
	if err != nil {
		return nil, rec, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, rec, fmt.Errorf("ca: parsing what we signed: %w", err)
	}
	rec.Cert = &store.Cert{
		Serial: cert.SerialNumber.Bytes(), DER: der, IssuerID: c.inter.ID,
		KeyFingerprint: rec.CSR.KeyFingerprint, Profile: d.Profile,
		Names: names(cert.DNSNames, cert.IPAddresses, cert.EmailAddresses, cert.URIs), NotAfter: cert.NotAfter,
	}
	rec.Cert.CSRID = rec.CSR.ID
	return &Issued{Cert: cert, Issuer: c.interCert, Record: rec.Cert}, rec, nil
}

// refuseRevoked fails early, with the reason, for a compromised key or a
// rejected CSR: for callers that must know before they spend anything (the
// server's /sign spends a token). The store checks again in the commit.
func (c *CA) refuseRevoked(rec store.Record) error {
	if rec.Key != nil {
		if k, err := c.st.Key(rec.Key.Fingerprint); err == nil && k.Status == store.KeyCompromised {
			return fmt.Errorf("%w: key %x was revoked at %s", store.ErrKeyRevoked, k.Fingerprint, k.RevokedAt.Format(time.RFC3339))
		}
	}
	if rec.CSR != nil {
		if r, err := c.st.CSR(rec.CSR.ID); err == nil && r.Status == store.CSRRejected {
			return fmt.Errorf("%w: CSR %x", store.ErrCSRRejected, r.ID)
		}
	}
	return nil
}

// leafTemplate turns a policy decision into a certificate template: CA:FALSE,
// the profile's usages, the names as the policy normalised them, a subject
// holding only a common name that is one of those names, and a NotAfter that
// never outlives the intermediate.
func (c *CA) leafTemplate(d *policies.Decision, now, issuerNotAfter time.Time) *x509.Certificate {
	notAfter := now.Add(d.Validity)
	if !issuerNotAfter.IsZero() && notAfter.After(issuerNotAfter) {
		notAfter = issuerNotAfter
	}
	cn := d.CommonName
	if cn == "" && len(d.DNSNames) > 0 {
		cn = d.DNSNames[0]
	}
	if net.ParseIP(cn) != nil {
		// An IP in the common name is checked by OpenSSL against the
		// intermediate's DNS name constraints, and fails them. IP-only
		// leaves get an empty subject; Go then marks the SAN critical, as
		// RFC 5280 asks.
		cn = ""
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Minute), // tolerate a peer's clock a little behind
		NotAfter:              notAfter,
		KeyUsage:              d.KeyUsage,
		ExtKeyUsage:           d.ExtKeyUsage,
		BasicConstraintsValid: true,
		IsCA:                  false,
		DNSNames:              d.DNSNames,
		IPAddresses:           d.IPAddresses,
		EmailAddresses:        d.EmailAddresses,
		URIs:                  d.URIs,
	}
	if c.opts.BaseURL != "" {
		tmpl.CRLDistributionPoints = []string{c.opts.BaseURL + "/crl"}
		tmpl.OCSPServer = []string{c.opts.BaseURL + "/ocsp"}
		tmpl.IssuingCertificateURL = []string{c.opts.BaseURL + "/intermediate.crt"}
	}
	return tmpl
}

func firstName(csr *x509.CertificateRequest) string {
	if csr.Subject.CommonName != "" {
		return csr.Subject.CommonName
	}
	if n := csrNames(csr); len(n) > 0 {
		return n[0]
	}
	return "(no name)"
}

// SelfSign self-signs csrPEM with key (SelfSign) under the home's policy
// and records the certificate in the home's store, which may hold no CA.
func (h Home) SelfSign(csrPEM []byte, key crypto.Signer, opts SignOptions, now time.Time) (iss *Issued, err error) {
	pol, _, err := h.Policy()
	if err != nil {
		return nil, err
	}
	err = h.session(false, func(st *store.Store) error {
		iss, err = SelfSign(st, pol, csrPEM, key, opts, now)
		return err
	})
	return iss, err
}

// SelfSign is `openssl x509 -req -signkey`: a certificate for the CSR's
// names, signed by the CSR's own key, which must match it. The policy applies
// as on every path that issues (names, key, validity, the profile's usages),
// and the certificate is recorded in the store like any other.
func SelfSign(st *store.Store, pol *policies.Policy, csrPEM []byte, key crypto.Signer, opts SignOptions, now time.Time) (*Issued, error) {
	csr, err := ParseCSR(csrPEM)
	if err != nil {
		return nil, err
	}
	rec, krec, err := csrRecord(csr)
	if err != nil {
		return nil, err
	}
	fpKey, err := Fingerprint(key.Public())
	if err != nil {
		return nil, err
	}
	if string(rec.KeyFingerprint) != string(fpKey) {
		return nil, fmt.Errorf("%w (CSR key %x…, given key %x…)", ErrKeyMismatch, rec.KeyFingerprint[:8], fpKey[:8])
	}
	if pol == nil {
		pol = policies.Default()
	}
	c := &CA{st: st, opts: Options{Policy: pol, Now: func() time.Time { return now }}.withDefaults()}
	if err := c.refuseRevoked(store.Record{Key: krec, CSR: rec}); err != nil {
		return nil, fmt.Errorf("ca: self-signing: %w", err)
	}
	req := policies.RequestFromCSR(csr, opts.Profile)
	req.Validity = opts.Validity
	d, err := pol.Check(req)
	if err != nil {
		return nil, fmt.Errorf("ca: self-signing %s: %w", firstName(csr), err)
	}
	if d.IsCA {
		// leafTemplate would make a CA:FALSE certificate with the CA's
		// keyCertSign, which RFC 5280 forbids.
		return nil, fmt.Errorf("ca: self-signing %s: %w (profile %q)", firstName(csr), ErrCAProfile, d.Profile)
	}
	tmpl := c.leafTemplate(d, now.UTC().Truncate(time.Second), time.Time{})
	der, err := c.createCert(tmpl, nil, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("ca: parsing what we signed: %w", err)
	}
	cr := &store.Cert{Serial: cert.SerialNumber.Bytes(), DER: der, KeyFingerprint: fpKey, CSRID: rec.ID,
		Profile: d.Profile, Names: names(cert.DNSNames, cert.IPAddresses, cert.EmailAddresses, cert.URIs), NotAfter: cert.NotAfter}
	if err := st.Commit(store.Record{Key: krec, CSR: rec, Cert: cr}); err != nil {
		return nil, notStored("self-signed certificate", err)
	}
	return &Issued{Cert: cert, Record: cr}, nil
}

func orServer(p string) string {
	if p == "" {
		return policies.ProfileServer
	}
	return p
}
