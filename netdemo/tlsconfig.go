package netdemo

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"time"
)

// ServerTLS describes a TLS or mTLS server. Config turns it into a tls.Config.
type ServerTLS struct {
	// Identity is the server's certificate, read on every handshake (hot reload).
	Identity *Identity
	// ClientCAs, when set, makes the server mutual TLS: a client certificate
	// is required and must chain to this pool (hold only our CA in it) with
	// the clientAuth EKU. Nil means plain server-authenticated TLS.
	ClientCAs *x509.CertPool
	// Revocation is checked for client certificates on every handshake
	// (mTLS only). Nil means no revocation check.
	Revocation RevocationChecker
	// Intermediates completes chains of clients that send only their leaf
	// (openssl s_client -cert without -cert_chain, for one); may be nil.
	// They are never trusted on their own: a chain must still end at
	// ClientCAs.
	Intermediates *x509.CertPool
	// Allow authorises client certificates (mTLS only); empty allows any
	// certificate from ClientCAs.
	Allow AllowRules
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// MTLS reports whether the server requires client certificates.
func (s ServerTLS) MTLS() bool { return s.ClientCAs != nil }

// Config returns a server tls.Config: TLS 1.2 minimum, ALPN h2 and http/1.1,
// the certificate from Identity, and for mTLS a required client certificate
// checked by a PeerPolicy in VerifyConnection.
//
// Client certificates are requested with tls.RequireAnyClientCert and
// verified by the PeerPolicy rather than by crypto/tls itself, so that one
// function does every check, in a fixed order, with errors that name the
// failing check; ClientCAs is still set so that the CertificateRequest lists
// our CA and clients such as curl pick the right certificate.
func (s ServerTLS) Config() (*tls.Config, error) {
	if s.Identity == nil || s.Identity.Certificate() == nil {
		return nil, fmt.Errorf("netdemo: server TLS: %w", ErrNoIdentity)
	}
	cfg := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: s.Identity.GetCertificate,
		NextProtos:     []string{"h2", "http/1.1"},
		Time:           s.Now,
	}
	if s.MTLS() {
		p := &PeerPolicy{
			Roots:         s.ClientCAs,
			Intermediates: s.Intermediates,
			Usage:         x509.ExtKeyUsageClientAuth,
			Revocation:    s.Revocation,
			Allow:         s.Allow,
			Now:           s.Now,
		}
		cfg.ClientAuth = tls.RequireAnyClientCert
		cfg.ClientCAs = s.ClientCAs
		cfg.VerifyConnection = p.VerifyConnection
	}
	return cfg, nil
}

// ClientTLS describes a TLS client, with a client certificate for mTLS.
type ClientTLS struct {
	// Identity is the client certificate; nil presents none.
	Identity *Identity
	// RootCAs is the pool the server's certificate must chain to. Required:
	// the system pool is never used implicitly.
	RootCAs *x509.CertPool
	// ServerName is the name the server's certificate must be valid for, and
	// the SNI sent. Required.
	ServerName string
	// Revocation, if set, is checked for the server's certificate.
	Revocation RevocationChecker
	// Allow, if set, restricts which server certificates are accepted.
	Allow AllowRules
	// SessionCache enables session resumption when set.
	SessionCache tls.ClientSessionCache
	// NextProtos is the ALPN list; nil means h2 then http/1.1.
	NextProtos []string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Config returns a client tls.Config. crypto/tls verifies the chain and the
// host name as usual (no InsecureSkipVerify); VerifyConnection adds the
// revocation check and the allow rules, on resumed sessions too.
func (c ClientTLS) Config() (*tls.Config, error) {
	if c.RootCAs == nil {
		return nil, fmt.Errorf("netdemo: client TLS: no trust pool (RootCAs) given")
	}
	if c.ServerName == "" {
		return nil, fmt.Errorf("netdemo: client TLS: no server name to verify")
	}
	p := &PeerPolicy{
		Roots:      c.RootCAs,
		Usage:      x509.ExtKeyUsageServerAuth,
		DNSName:    c.ServerName,
		Revocation: c.Revocation,
		Allow:      c.Allow,
		Now:        c.Now,
	}
	protos := c.NextProtos
	if protos == nil {
		protos = []string{"h2", "http/1.1"}
	}
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		RootCAs:            c.RootCAs,
		ServerName:         c.ServerName,
		ClientSessionCache: c.SessionCache,
		NextProtos:         protos,
		VerifyConnection:   p.VerifyConnection,
		Time:               c.Now,
	}
	if c.Identity != nil {
		cfg.GetClientCertificate = c.Identity.GetClientCertificate
	}
	return cfg, nil
}
