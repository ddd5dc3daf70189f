package netdemo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
)

// LocalCA is a CA on this machine that a Peer can be issued from and
// trust, reached through functions so that this package needs none of the
// CA's: `localca demo` passes its store's, which opens the store for each
// call alone, so that other commands keep working while a demo runs.
type LocalCA struct {
	// Issue issues a certificate for name (leaf first, then its CA
	// certificates); it is called again for each renewal.
	Issue func(name string) (*tls.Certificate, error)
	// Trust returns the CA's root and the CA certificates whose CRLs it
	// signs (intermediate, then root); an error when there is no CA.
	Trust func() (root *x509.Certificate, issuers []*x509.Certificate, err error)
	// CRL fetches the CA's current CRLs (PEM or DER).
	CRL func(context.Context) ([]byte, error)
}

func (l LocalCA) trust() (*x509.Certificate, []*x509.Certificate, error) {
	if l.Trust == nil {
		return nil, nil, fmt.Errorf("%w: no local CA", ErrBadConfig)
	}
	return l.Trust()
}

// PeerSource says where a Peer's certificate and trust come from, the way
// a command line says it: a name to have Local issue a certificate for, or
// certificate files; the roots to trust, else Local's root. Local's CRL is
// the revocation source whenever Local's root is trusted.
type PeerSource struct {
	// Name, when set, is issued for by Local.Issue, and renewed by
	// Peer.Keep; CertFile is then empty.
	Name string
	// CertFile and KeyFile hold a PEM chain (leaf first) and its key.
	CertFile, KeyFile string
	// Roots, when set, are the only roots trusted; nil trusts Local's.
	Roots []*x509.Certificate
	Local LocalCA
	// Logf receives renewals and reloads; nil discards them.
	Logf func(string, ...any)
}

// Peer issues or loads the certificate and builds the Peer. A Peer with
// neither Name nor files presents no certificate (a TLS client).
func (s PeerSource) Peer() (*Peer, error) {
	cfg := PeerConfig{Logf: s.Logf}
	switch {
	case s.Name != "" && s.CertFile != "":
		return nil, fmt.Errorf("%w: a name to issue for or certificate files, not both", ErrBadConfig)
	case s.Name != "":
		if s.Local.Issue == nil {
			return nil, fmt.Errorf("%w: no local CA to issue %q", ErrBadConfig, s.Name)
		}
		cert, err := s.Local.Issue(s.Name)
		if err != nil {
			return nil, err
		}
		cfg.Cert = cert
		cfg.Issue = func() (*tls.Certificate, error) { return s.Local.Issue(s.Name) }
		root, issuers, err := s.Local.trust()
		if err != nil {
			return nil, err
		}
		cfg.Roots, cfg.Issuers, cfg.CRL = []*x509.Certificate{root}, issuers, s.Local.CRL
	case (s.CertFile == "") != (s.KeyFile == ""):
		return nil, fmt.Errorf("%w: a certificate file and its key file go together", ErrBadConfig)
	case s.CertFile != "":
		cfg.CertFile, cfg.KeyFile = s.CertFile, s.KeyFile
	}
	if s.Roots != nil {
		cfg.Roots, cfg.Issuers = s.Roots, addCerts(cfg.Issuers, s.Roots...)
		// Roots that hold the local CA's root are checked against its
		// CRLs, signed by its intermediate; no local CA: someone else's.
		if root, issuers, err := s.Local.trust(); err == nil && containsCert(s.Roots, root) {
			cfg.Issuers = addCerts(cfg.Issuers, issuers...)
			if cfg.CRL == nil {
				cfg.CRL = s.Local.CRL
			}
		}
	}
	if cfg.Roots == nil {
		root, issuers, err := s.Local.trust()
		if err != nil {
			return nil, fmt.Errorf("netdemo: no roots given and no CA to trust: %w", err)
		}
		cfg.Roots, cfg.Issuers = []*x509.Certificate{root}, issuers
		if cfg.CRL == nil {
			cfg.CRL = s.Local.CRL
		}
	}
	return NewPeer(cfg)
}

// addCerts appends to list those of more it does not hold yet.
func addCerts(list []*x509.Certificate, more ...*x509.Certificate) []*x509.Certificate {
	for _, c := range more {
		if !containsCert(list, c) {
			list = append(list, c)
		}
	}
	return list
}

func containsCert(list []*x509.Certificate, c *x509.Certificate) bool {
	for _, l := range list {
		if l.Equal(c) {
			return true
		}
	}
	return false
}

// DemoTLS is one side of a demo connection: a server presents its Peer's
// certificate, kept fresh, and with MTLS checks its clients; a client
// checks the server and with MTLS presents its own certificate.
type DemoTLS struct {
	Server, MTLS bool
	Peer         *Peer
	// Allow are the peers accepted (a client's: servers; a server's, with
	// MTLS: clients); empty accepts any that chains to the roots.
	Allow AllowRules
	// ServerName is the name a client wants in the server's certificate;
	// "" takes the host of Addr, the address the client dials.
	ServerName, Addr string
	// Revocation checks the peer, where ChecksRevocation; nil checks none.
	Revocation RevocationChecker
}

// ChecksRevocation says whether this side checks its peer's revocation: a
// client always (the server's), a server only with MTLS (its clients').
func (d DemoTLS) ChecksRevocation() bool { return d.MTLS || !d.Server }

// Config builds the side's tls.Config; a server's certificate is kept
// fresh (Peer.Keep) until ctx ends.
func (d DemoTLS) Config(ctx context.Context) (*tls.Config, error) {
	if d.Server {
		go d.Peer.Keep(ctx)
		return d.Peer.ServerTLS(d.MTLS, d.Allow, d.Revocation).Config()
	}
	name := d.ServerName
	if name == "" {
		host, _, err := net.SplitHostPort(d.Addr)
		if err != nil {
			return nil, fmt.Errorf("%w: client address %q: %v", ErrBadConfig, d.Addr, err)
		}
		name = host
	}
	return d.Peer.ClientTLS(name, d.MTLS, d.Allow, d.Revocation).Config()
}
