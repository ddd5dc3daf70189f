package ca

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/localca/localca/internal/atomicfile"
	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
)

// The broken-on-purpose cases, each wrong in one way (a local badssl.com).
// The certificate cases are certificates that are wrong; the server cases
// get a good certificate and are made wrong by the server that serves them
// (netdemo/badserver).
const (
	CaseGood               = "good"
	CaseExpired            = "expired"
	CaseNotYetValid        = "not-yet-valid"
	CaseSelfSigned         = "self-signed"
	CaseUntrustedRoot      = "untrusted-root"
	CaseRevoked            = "revoked"
	CaseWrongEKU           = "wrong-eku"
	CaseNameConstraints    = "name-constraints"
	CaseRSA1024            = "rsa-1024"
	CaseNoSAN              = "no-san"
	CaseSHA1               = "sha1"
	CaseWrongHost          = "wrong-host"
	CaseIncompleteChain    = "incomplete-chain"
	CaseClientCertRequired = "client-cert-required"
	CaseTLS10              = "tls1.0"
	CaseTLS11              = "tls1.1"
)

// FixtureCase is one broken-on-purpose case.
type FixtureCase struct {
	Name   string // the label: the fixture's DNS name is Name + "." + policies.FixtureDomain
	Defect string // what is wrong, for people
	// Server is set for a defect of the server's configuration: the case's
	// certificate is good, and `localca issue --broken` refuses it.
	Server bool
}

// FixtureCases lists every case, good first.
func FixtureCases() []FixtureCase {
	return []FixtureCase{
		{Name: CaseGood, Defect: "nothing: a valid certificate from this CA (and the index page)"},
		{Name: CaseExpired, Defect: "notAfter is in the past"},
		{Name: CaseNotYetValid, Defect: "notBefore is after the intermediate's notAfter, so it is never valid"},
		{Name: CaseSelfSigned, Defect: "signed by its own key"},
		{Name: CaseUntrustedRoot, Defect: "issued by a throwaway root that nobody trusts"},
		{Name: CaseRevoked, Defect: "on the CRL, and the stapled OCSP answer says revoked"},
		{Name: CaseWrongEKU, Defect: "extended key usage clientAuth only (no serverAuth)"},
		{Name: CaseNameConstraints, Defect: "issued by an intermediate whose name constraints permit only .ok." + policies.FixtureDomain},
		{Name: CaseRSA1024, Defect: "a 1024-bit RSA key"},
		{Name: CaseNoSAN, Defect: "the name in the subject's CN only, no subjectAltName"},
		{Name: CaseSHA1, Defect: "signed with SHA-1"},
		{Name: CaseWrongHost, Defect: "the server sends a valid certificate for good." + policies.FixtureDomain, Server: true},
		{Name: CaseIncompleteChain, Defect: "the server sends the leaf without its intermediate (and the leaf has no caIssuers URL)", Server: true},
		{Name: CaseClientCertRequired, Defect: "the server requires a client certificate (in TLS 1.2, so that it refuses within the handshake)", Server: true},
		{Name: CaseTLS10, Defect: "the server speaks TLS 1.0 only", Server: true},
		{Name: CaseTLS11, Defect: "the server speaks TLS 1.1 only", Server: true},
	}
}

// LookupFixtureCase returns the named case, or ErrUnknownFixture listing the
// cases.
func LookupFixtureCase(name string) (FixtureCase, error) {
	cases := FixtureCases()
	if i := slices.IndexFunc(cases, func(c FixtureCase) bool { return c.Name == name }); i >= 0 {
		return cases[i], nil
	}
	names := make([]string, len(cases))
	for i, c := range cases {
		names[i] = c.Name
	}
	return FixtureCase{}, fmt.Errorf("%w %q (cases: %s)", ErrUnknownFixture, name, strings.Join(names, ", "))
}

// FixtureName is the DNS name of a case: CASE.bad.localca.test.
func FixtureName(caseName string) string { return caseName + "." + policies.FixtureDomain }

// Fixture is a broken-on-purpose certificate with what a server needs to
// serve it.
type Fixture struct {
	Case FixtureCase
	Name string // the DNS name the server answers to (SNI)
	Cert *x509.Certificate
	// Chain is what a correct server sends after the leaf: the intermediate,
	// or the throwaway root or intermediate that signed the leaf; empty for
	// a self-signed leaf.
	Chain  []*x509.Certificate
	Key    crypto.Signer
	KeyPEM []byte // unencrypted PKCS#8; the store never holds it
	// OCSP is a DER OCSP answer about Cert for the server to staple: set
	// for the revoked case (it says revoked).
	OCSP []byte
	// Record is the stored certificate (profile fixtures).
	Record *store.Cert
}

// PEM is the leaf alone.
func (f *Fixture) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.Cert.Raw})
}

// ChainPEM is the leaf followed by Chain: what `localca issue --broken`
// writes and a correct server sends.
func (f *Fixture) ChainPEM() []byte {
	out := f.PEM()
	for _, c := range f.Chain {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// WriteFiles writes the fixture into dir as `localca issue --broken` does:
// NAME.pem (the leaf, then Chain) and NAME-key.pem (0600), where NAME is
// FixtureName of its case, the key first. The fixture is stored already, so
// an error names its serial.
func (f *Fixture) WriteFiles(dir string) (Files, error) {
	name := FixtureName(f.Case.Name)
	base := filepath.Join(dir, name)
	files := Files{Cert: base + ".pem", Key: base + "-key.pem"}
	if err := atomicfile.WriteFiles(
		atomicfile.File{Path: files.Key, Data: f.KeyPEM, Perm: 0o600},
		atomicfile.File{Path: files.Cert, Data: f.ChainPEM(), Perm: 0o644},
	); err != nil {
		return files, fmt.Errorf("fixture %s (serial %s, stored): %w", name, f.Record.SerialHex(), err)
	}
	return files, nil
}

// Fixture makes the certificate of one case and commits it to the store
// (profile fixtures, so `cert.issued` events and `list` show it) before it
// returns. Its name is checked against the policy's fixtures profile, which
// allows CASE.bad.localca.test alone; its defect is made here, outside the
// policy, which is why no other profile may issue under bad.localca.test.
// For a server case the certificate is good (for the case's own name; for
// wrong-host, for good's): the server makes the defect.
//
// Throwaway authorities (the untrusted root, the name-constrained
// intermediate) are made for one leaf and their keys dropped when it is
// signed: nothing else can ever be signed by them, they are not authorities
// of the store, and `trust install` knows only the CA's own root. The
// name-constrained intermediate is signed by this CA's root, and recorded as
// a fixtures certificate too.
func (c *CA) Fixture(caseName string) (*Fixture, error) {
	fc, err := LookupFixtureCase(caseName)
	if err != nil {
		return nil, err
	}
	if err := c.usable(false); err != nil {
		return nil, err
	}
	name := FixtureName(fc.Name)
	if fc.Name == CaseWrongHost {
		name = FixtureName(CaseGood)
	}
	d, err := c.opts.Policy.Check(policies.Request{Profile: policies.ProfileFixtures, DNSNames: []string{name}})
	if err != nil {
		return nil, fmt.Errorf("ca: fixture %q: %w", fc.Name, err)
	}
	f, err := c.buildFixture(fc, d)
	if err != nil {
		return nil, fmt.Errorf("ca: fixture %q: %w", fc.Name, err)
	}
	f.Name = FixtureName(fc.Name)
	return f, nil
}
