package ca

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"time"

	"github.com/localca/localca/store"
)

// IssueRequest is the mkcert-style one step: names in, key and certificate
// out.
type IssueRequest struct {
	Names    []string // DNS names, IPs, emails or URIs; the first is the common name
	Profile  string   // server (default), client or peer
	KeyType  string   // one of KeyTypes; "" means ecdsa-p256
	Validity time.Duration
	// Key, when set, is certified instead of a new key (KeyType is then
	// ignored): Renew's --reuse-key.
	Key crypto.Signer
}

// Issue makes a key, a CSR for the names and a certificate for it, and
// commits all three to the store in one transaction before it returns. The
// key's PEM (unencrypted PKCS#8) is stored with it, as the design's keys
// bucket records, and returned for the caller to write.
func (c *CA) Issue(req IssueRequest) (*Issued, error) {
	if len(req.Names) == 0 {
		return nil, fmt.Errorf("%w: give at least one name", ErrBadName)
	}
	key := req.Key
	if key == nil {
		spec, err := ParseKeyType(req.KeyType)
		if err != nil {
			return nil, err
		}
		if key, err = spec.Generate(); err != nil {
			return nil, err
		}
	}
	if err := c.opts.Policy.CheckKey(key.Public()); err != nil {
		return nil, fmt.Errorf("ca: issuing for %q: %w", req.Names[0], err)
	}
	dns, _, _, _, err := splitSANs(req.Names)
	if err != nil {
		return nil, err
	}
	var subject pkix.Name
	if len(dns) > 0 {
		subject.CommonName = dns[0]
	}
	der, err := CreateCSR(key, CSRRequest{Subject: subject, SANs: req.Names})
	if err != nil {
		return nil, err
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("ca: parsing our own CSR: %w", err)
	}
	keyPEM, err := EncodeKey(key, nil)
	if err != nil {
		return nil, err
	}
	rec, krec, err := csrRecord(csr)
	if err != nil {
		return nil, err
	}
	krec.PEM = keyPEM
	iss, err := c.issue(csr, SignOptions{Profile: req.Profile, Validity: req.Validity}, store.Record{Key: krec, CSR: rec}, false)
	if err != nil {
		return nil, err
	}
	iss.Key, iss.KeyPEM = key, keyPEM
	return iss, nil
}
