package netdemo

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"time"
)

// PeerPolicy is how one side verifies the other: chain to Roots with the
// required extended key usage, then revocation, then the allow rules, in that
// order, each failure naming its check and the certificate.
//
// Its VerifyConnection method is meant for tls.Config.VerifyConnection, which
// crypto/tls calls on every handshake including resumed ones. That matters:
// VerifyPeerCertificate is skipped on resumption, so a check placed there lets
// a client whose certificate was revoked after its first connection back in
// on a session ticket.
type PeerPolicy struct {
	// Roots is the trust pool. For mTLS it should hold only our CA, so that a
	// certificate from any other authority is refused.
	Roots *x509.CertPool
	// Intermediates adds intermediates to those the peer sends; may be nil.
	Intermediates *x509.CertPool
	// Usage is the extended key usage the leaf must allow:
	// x509.ExtKeyUsageClientAuth on a server, ExtKeyUsageServerAuth on a client.
	Usage x509.ExtKeyUsage
	// DNSName, if set, must be a name the leaf is valid for.
	DNSName string
	// Revocation, if not nil, is consulted for the leaf.
	Revocation RevocationChecker
	// Allow restricts which trusted peers are accepted; empty accepts all.
	Allow AllowRules
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// VerifyConnection checks the peer of cs. If crypto/tls already verified the
// chain (cs.VerifiedChains is set, as on a client with default settings) that
// result is used; otherwise the chain is verified here.
func (p *PeerPolicy) VerifyConnection(cs tls.ConnectionState) error {
	err := p.verify(cs)
	if err != nil && cs.DidResume {
		return fmt.Errorf("%w (on a resumed session)", err)
	}
	return err
}

func (p *PeerPolicy) verify(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return fmt.Errorf("%w: the peer presented none (a client certificate is required)", ErrNoPeerCertificate)
	}
	leaf := cs.PeerCertificates[0]
	if len(cs.VerifiedChains) == 0 {
		if err := p.verifyChain(cs.PeerCertificates); err != nil {
			return err
		}
	}
	if p.Revocation != nil {
		if err := p.Revocation.Check(leaf); err != nil {
			return fmt.Errorf("netdemo: revocation check: %w", err)
		}
	}
	if err := p.Allow.Allow(leaf); err != nil {
		return fmt.Errorf("netdemo: authorisation: %w", err)
	}
	return nil
}

func (p *PeerPolicy) verifyChain(certs []*x509.Certificate) error {
	leaf := certs[0]
	inter := x509.NewCertPool()
	if p.Intermediates != nil {
		inter = p.Intermediates.Clone()
	}
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	usage := p.Usage
	if usage == x509.ExtKeyUsageAny {
		usage = x509.ExtKeyUsageClientAuth
	}
	opts := x509.VerifyOptions{
		Roots:         p.Roots,
		Intermediates: inter,
		DNSName:       p.DNSName,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{usage},
	}
	if p.Roots == nil {
		return fmt.Errorf("%w: no trust pool configured, refusing %s", ErrUntrusted, describeCert(leaf))
	}
	if _, err := leaf.Verify(opts); err != nil {
		return fmt.Errorf("%w: chain verification of %s: %w", ErrUntrusted, describeCert(leaf), err)
	}
	return nil
}
