package ca

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/localca/localca/internal/serialhex"
	"github.com/localca/localca/store"
	"golang.org/x/crypto/ocsp"
)

// ProfileOCSP is the profile recorded for the OCSP responder's certificates.
const ProfileOCSP = "ocsp-responder"

// ResponderOptions tune a Responder. The zero value is what serve uses.
type ResponderOptions struct {
	// CertValidity is the life of the delegated responder certificate;
	// 0 means 24 hours. It is renewed when a third of its life is left.
	CertValidity time.Duration
	// ResponseValidity is the time from thisUpdate to nextUpdate of an
	// answer; 0 means one hour. Clients may cache an answer that long.
	ResponseValidity time.Duration
}

// Responder answers OCSP requests (RFC 6960) about what the intermediate
// issued: good, revoked (with time and reason), or unknown for a serial it
// never issued; a request about another issuer gets "unauthorized". It also
// answers, signed by the root itself, about the intermediate.
//
// Leaf answers are signed by a delegated responder certificate the
// intermediate issues: EKU OCSPSigning, id-pkix-ocsp-nocheck (so clients do
// not ask about the responder itself), short-lived, its key in memory only,
// and re-issued on its own when a third of its life is left. Each responder
// certificate is recorded in the store like anything else the CA signs.
//
// A Responder is safe for concurrent use.
type Responder struct {
	ca   *CA
	opts ResponderOptions

	mu   sync.Mutex
	cert *x509.Certificate
	key  crypto.Signer
}

// newResponder makes a responder for c. Its certificate is issued on the
// first request; Unlock c first so that no request waits for a password.
func newResponder(c *CA, opts ResponderOptions) *Responder {
	if opts.CertValidity <= 0 {
		opts.CertValidity = 24 * time.Hour
	}
	if opts.ResponseValidity <= 0 {
		opts.ResponseValidity = time.Hour
	}
	return &Responder{ca: c, opts: opts}
}

// respond answers one DER OCSP request, looking the serial up in st. It
// always returns a response to send: on a malformed request the
// malformedRequest response, for another issuer "unauthorized", on a failure
// of ours internalError, each with an error that says why (for the log).
func (r *Responder) respond(st *store.Store, raw []byte) ([]byte, error) {
	req, err := ocsp.ParseRequest(raw)
	if err != nil {
		return ocsp.MalformedRequestErrorResponse, fmt.Errorf("%w: %v", ErrBadOCSP, err)
	}
	nonce, err := requestNonce(raw)
	if err != nil {
		return ocsp.MalformedRequestErrorResponse, err
	}
	hashOID, ok := hashOID(req.HashAlgorithm)
	if !ok {
		return ocsp.MalformedRequestErrorResponse, fmt.Errorf("%w: unsupported hash %v", ErrBadOCSP, req.HashAlgorithm)
	}
	c := r.ca.withStore(st)
	now := c.opts.Now().UTC().Truncate(time.Second)
	ans := &ocspAnswer{
		HashOID: hashOID, NameHash: req.IssuerNameHash, KeyHash: req.IssuerKeyHash, Serial: req.SerialNumber,
		ProducedAt: now, ThisUpdate: now, NextUpdate: now.Add(r.opts.ResponseValidity), Nonce: nonce,
	}
	switch {
	case issuedBy(req, c.interCert):
		cert, key, err := r.current(c)
		if err != nil {
			return ocsp.InternalErrorErrorResponse, err
		}
		ans.ResponderCert, ans.ResponderKey, ans.IncludeCert = cert, key, true
		if ans.NextUpdate.After(cert.NotAfter) {
			ans.NextUpdate = cert.NotAfter
		}
		if err := c.leafStatus(ans); err != nil {
			return ocsp.InternalErrorErrorResponse, err
		}
	case issuedBy(req, c.rootCert):
		// The root answers for the intermediate itself: no delegation, so
		// no certificate to send and nothing to renew.
		rootKey, _, err := c.signers()
		if err != nil {
			return ocsp.InternalErrorErrorResponse, err
		}
		ans.ResponderCert, ans.ResponderKey = c.rootCert, rootKey
		ans.Status = ocsp.Unknown
		if req.SerialNumber.Cmp(c.interCert.SerialNumber) == 0 {
			ans.Status = ocsp.Good
		}
	default:
		return ocsp.UnauthorizedErrorResponse, fmt.Errorf("ca: OCSP request for serial %s of an issuer this CA is not", serialhex.FormatInt(req.SerialNumber))
	}
	der, err := ans.marshal()
	if err != nil {
		return ocsp.InternalErrorErrorResponse, err
	}
	return der, nil
}

// leafStatus fills in what the store knows about a serial the intermediate
// may have issued. A serial it never issued is "unknown" (RFC 6960 §2.2),
// never "good".
func (c *CA) leafStatus(ans *ocspAnswer) error {
	rec, err := c.st.Cert(ans.Serial.Bytes())
	switch {
	case errors.Is(err, store.ErrNotFound):
		ans.Status = ocsp.Unknown
		return nil
	case err != nil:
		return fmt.Errorf("ca: OCSP lookup of %x: %w", ans.Serial, err)
	case rec.IssuerID != c.inter.ID:
		ans.Status = ocsp.Unknown
	case rec.Status == store.CertRevoked:
		ans.Status, ans.RevokedAt, ans.Reason = ocsp.Revoked, rec.RevokedAt, rec.Reason
	default:
		ans.Status = ocsp.Good
	}
	return nil
}

// issuedBy reports whether an OCSP request's CertID names issuer.
func issuedBy(req *ocsp.Request, issuer *x509.Certificate) bool {
	if !req.HashAlgorithm.Available() {
		return false
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(issuer.RawSubjectPublicKeyInfo, &spki); err != nil {
		return false
	}
	h := req.HashAlgorithm.New()
	h.Write(issuer.RawSubject)
	nameHash := h.Sum(nil)
	h.Reset()
	h.Write(spki.PublicKey.RightAlign())
	return bytes.Equal(nameHash, req.IssuerNameHash) && bytes.Equal(h.Sum(nil), req.IssuerKeyHash)
}

// Certificate returns the current responder certificate, issuing a new one
// (recorded in st) when there is none or a third of its life is left.
func (r *Responder) Certificate(st *store.Store) (*x509.Certificate, error) {
	cert, _, err := r.current(r.ca.withStore(st))
	return cert, err
}

func (r *Responder) current(c *CA) (*x509.Certificate, crypto.Signer, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := c.opts.Now()
	if r.cert != nil {
		life := r.cert.NotAfter.Sub(r.cert.NotBefore)
		if now.Before(r.cert.NotAfter.Add(-life / 3)) {
			return r.cert, r.key, nil
		}
	}
	cert, key, err := c.issueResponder(r.opts.CertValidity)
	if err != nil {
		return nil, nil, err
	}
	r.cert, r.key = cert, key
	return cert, key, nil
}

// issueResponder makes a delegated OCSP responder certificate and its key.
// The key never leaves memory; the certificate is committed to the store.
func (c *CA) issueResponder(validity time.Duration) (*x509.Certificate, crypto.Signer, error) {
	_, signer, err := c.signers()
	if err != nil {
		return nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("ca: OCSP responder key: %w", err)
	}
	now := c.opts.Now().UTC().Truncate(time.Second)
	notAfter := now.Add(validity)
	if notAfter.After(c.interCert.NotAfter) {
		notAfter = c.interCert.NotAfter
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: c.interCert.Subject.CommonName + " OCSP Responder", Organization: c.interCert.Subject.Organization},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
		BasicConstraintsValid: true,
		// RFC 6960 §4.2.2.2.1: id-pkix-ocsp-nocheck, value NULL.
		ExtraExtensions: []pkix.Extension{{Id: oidOCSPNoCheck, Value: asn1.NullBytes}},
	}
	for attempt := 0; ; attempt++ {
		der, err := c.createCert(tmpl, c.interCert, key.Public(), signer)
		if err != nil {
			return nil, nil, err
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, nil, fmt.Errorf("ca: parsing what we signed: %w", err)
		}
		fp, err := Fingerprint(key.Public())
		if err != nil {
			return nil, nil, err
		}
		err = c.st.Commit(store.Record{Cert: &store.Cert{
			Serial: cert.SerialNumber.Bytes(), DER: der, IssuerID: c.inter.ID, KeyFingerprint: fp,
			Profile: ProfileOCSP, NotAfter: cert.NotAfter,
		}})
		if errors.Is(err, store.ErrSerialExists) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("ca: storing the OCSP responder certificate: %w", err)
		}
		return cert, key, nil
	}
}
