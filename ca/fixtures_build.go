package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"time"

	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
	"golang.org/x/crypto/ocsp"
)

// fixtureSigner is who signs a fixture: its certificate (nil: the leaf
// signs itself), its key, and the id recorded as the leaf's issuer.
type fixtureSigner struct {
	cert *x509.Certificate
	key  crypto.Signer
	id   string
}

// buildFixture makes, signs and stores the certificate of one case from the
// policy's decision for its name.
func (c *CA) buildFixture(fc FixtureCase, d *policies.Decision) (*Fixture, error) {
	rootKey, interKey, err := c.signers()
	if err != nil {
		return nil, err
	}
	now := c.opts.Now().UTC().Truncate(time.Second)
	var key crypto.Signer
	if fc.Name == CaseRSA1024 {
		// The policy's key rules would refuse this key: that is the defect.
		key, err = rsa.GenerateKey(rand.Reader, 1024)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		return nil, fmt.Errorf("fixture key: %w", err)
	}
	tmpl := c.leafTemplate(d, now, c.interCert.NotAfter)
	// No CRL, OCSP or caIssuers URLs, whatever Options.BaseURL says: the
	// incomplete chain must not be repairable by fetching the issuer, and
	// each case is wrong in its one way only.
	tmpl.CRLDistributionPoints, tmpl.OCSPServer, tmpl.IssuingCertificateURL = nil, nil, nil
	tmpl.KeyUsage = leafUsage(key)
	signer := fixtureSigner{cert: c.interCert, key: interKey, id: c.inter.ID}
	var chain []*x509.Certificate
	switch fc.Name {
	case CaseExpired:
		tmpl.NotBefore, tmpl.NotAfter = now.Add(-31*policies.Day), now.Add(-policies.Day)
	case CaseNotYetValid:
		tmpl.NotBefore = c.interCert.NotAfter.Add(policies.Day)
		tmpl.NotAfter = tmpl.NotBefore.Add(30 * policies.Day)
	case CaseSelfSigned:
		signer = fixtureSigner{key: key}
		// Go leaves the AKI out of a self-signed certificate; zlint (RFC
		// 5280 §4.2.1.1) wants it in one that is not a CA.
		if tmpl.SubjectKeyId, err = subjectKeyID(key.Public()); err != nil {
			return nil, err
		}
		tmpl.AuthorityKeyId = tmpl.SubjectKeyId
	case CaseUntrustedRoot:
		root, rkey, err := c.throwawayCA(now, "localca throwaway root (untrusted-root fixture)", nil, nil)
		if err != nil {
			return nil, err
		}
		signer = fixtureSigner{cert: root, key: rkey, id: authorityID(root.Raw)}
	case CaseWrongEKU:
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	case CaseNameConstraints:
		inter, ikey, err := c.throwawayCA(now, "localca name-constrained intermediate (name-constraints fixture)", c.rootCert, rootKey)
		if err != nil {
			return nil, err
		}
		// Signed by our root, so recorded like everything the root signs.
		if _, err := c.storeFixture(inter, nil, c.root.ID, nil); err != nil {
			return nil, err
		}
		signer = fixtureSigner{cert: inter, key: ikey, id: authorityID(inter.Raw)}
	case CaseNoSAN:
		tmpl.DNSNames = nil
	case CaseSHA1:
		switch interKey.Public().(type) {
		case *ecdsa.PublicKey:
			tmpl.SignatureAlgorithm = x509.ECDSAWithSHA1
		case *rsa.PublicKey:
			tmpl.SignatureAlgorithm = x509.SHA1WithRSA
		default:
			return nil, fmt.Errorf("%w: the intermediate's %s key cannot sign with SHA-1", ErrFixtureUnavailable, keyName(interKey.Public()))
		}
	}
	parent := signer.cert
	tmpl.NotAfter = clampFixture(fc, tmpl, parent)
	der, err := c.createCert(tmpl, parent, key.Public(), signer.key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing what we signed: %w", err)
	}
	if parent != nil {
		chain = []*x509.Certificate{parent}
	}
	var status *revocation
	if fc.Name == CaseRevoked {
		status = &revocation{at: now, reason: ocsp.KeyCompromise}
	}
	rec, err := c.storeFixture(cert, key, signer.id, status)
	if err != nil {
		return nil, err
	}
	keyPEM, err := EncodeKey(key, nil)
	if err != nil {
		return nil, err
	}
	f := &Fixture{Case: fc, Cert: cert, Chain: chain, Key: key, KeyPEM: keyPEM, Record: rec}
	if fc.Name == CaseRevoked {
		if f.OCSP, err = c.fixtureOCSP(cert); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// clampFixture keeps a leaf within its issuer's validity, as every leaf the
// CA signs, except where the case's defect is its dates.
func clampFixture(fc FixtureCase, tmpl, parent *x509.Certificate) time.Time {
	if fc.Name == CaseNotYetValid || fc.Name == CaseExpired || parent == nil {
		return tmpl.NotAfter
	}
	if tmpl.NotAfter.After(parent.NotAfter) {
		return parent.NotAfter
	}
	return tmpl.NotAfter
}

// leafUsage is the key usage of a server leaf for key's type.
func leafUsage(key crypto.Signer) x509.KeyUsage {
	if _, ok := key.Public().(*rsa.PublicKey); ok {
		return x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	}
	return x509.KeyUsageDigitalSignature
}

type revocation struct {
	at     time.Time
	reason int
}

// throwawayCA makes a CA certificate and key for one fixture: a root when
// parent is nil, else an intermediate under parent whose name constraints
// permit only .ok.bad.localca.test. The caller drops the key after one
// signature.
func (c *CA) throwawayCA(now time.Time, cn string, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, crypto.Signer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("throwaway CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"localca fixtures"}},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(90 * policies.Day),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            0,
		MaxPathLenZero:        true,
	}
	signKey := crypto.Signer(key)
	if parent != nil {
		signKey = parentKey
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		if tmpl.NotAfter.After(parent.NotAfter) {
			tmpl.NotAfter = parent.NotAfter
		}
		policies.NameConstraints{PermittedDNSDomains: []string{".ok." + policies.FixtureDomain}}.ApplyTo(tmpl)
	}
	der, err := c.createCert(tmpl, parent, key.Public(), signKey)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing what we signed: %w", err)
	}
	return cert, key, nil
}

// storeFixture commits a fixture certificate (profile fixtures), revoked at
// birth when status says so, so that the CRL lists it from the start.
func (c *CA) storeFixture(cert *x509.Certificate, key crypto.Signer, issuerID string, status *revocation) (*store.Cert, error) {
	pub := cert.PublicKey
	if key != nil {
		pub = key.Public()
	}
	fp, err := Fingerprint(pub)
	if err != nil {
		return nil, err
	}
	rec := &store.Cert{
		Serial: cert.SerialNumber.Bytes(), DER: cert.Raw, IssuerID: issuerID, KeyFingerprint: fp,
		Profile: policies.ProfileFixtures, NotAfter: cert.NotAfter,
		Names: names(cert.DNSNames, cert.IPAddresses, cert.EmailAddresses, cert.URIs),
	}
	if len(rec.Names) == 0 && cert.Subject.CommonName != "" && !cert.IsCA {
		rec.Names = []string{cert.Subject.CommonName} // no-san: its name is in the CN
	}
	if status != nil {
		rec.Status, rec.RevokedAt, rec.Reason = store.CertRevoked, status.at, status.reason
	}
	if err := c.st.Commit(store.Record{Cert: rec}); err != nil {
		return nil, notStored(fmt.Sprintf("fixture certificate %x", rec.Serial), err)
	}
	return rec, nil
}

// fixtureOCSP asks the CA's own OCSP responder about cert, as a server
// that staples would, and returns its answer. The request names the
// certificate by SHA-1 hashes, as RFC 6960 servers and OpenSSL do (curl
// --cert-status looks the answer up by that CertID and finds no SHA-256 one);
// the answer itself is signed with SHA-256.
func (c *CA) fixtureOCSP(cert *x509.Certificate) ([]byte, error) {
	req, err := ocsp.CreateRequest(cert, c.interCert, &ocsp.RequestOptions{Hash: crypto.SHA1})
	if err != nil {
		return nil, fmt.Errorf("OCSP request: %w", err)
	}
	der, err := newResponder(c, ResponderOptions{}).respond(c.st, req)
	if err != nil {
		return nil, fmt.Errorf("OCSP answer: %w", err)
	}
	return der, nil
}
