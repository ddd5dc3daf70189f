package netdemo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"

	"github.com/localca/localca/internal/certpem"
	"github.com/localca/localca/internal/inputfile"
)

// maxRootsFile bounds a roots file: a trust bundle is kilobytes, and a
// mistaken path (/dev/zero) must not be read whole.
const maxRootsFile = 1 << 20

// DemoSide is one side of a demo connection as a command line states it:
// the TLS mode, where the certificate and trust come from, the peers
// allowed and how revocation is checked. Start checks that the settings
// agree before it issues or reads anything.
type DemoSide struct {
	Server bool
	// TLS authenticates the server only; MTLS both sides. Neither is
	// plain TCP or HTTP.
	TLS, MTLS bool
	Source    PeerSource
	// RootsFile, when set, is a PEM bundle (or one DER certificate) of the
	// only roots trusted, read by Start; it replaces Source.Roots.
	RootsFile string
	// Allow are allow rules as given (ParseAllowRules).
	Allow            []string
	ServerName, Addr string // as in DemoTLS
	// Revocation says how the peer's revocation is checked, where the
	// side checks it (DemoTLS.ChecksRevocation).
	Revocation RevocationOptions
	// OnRevocation, when set, is told the checker started (nil: the Peer
	// has no CRL source, so nothing is checked) and the error of its
	// first fetch (not fatal: the checker keeps trying).
	OnRevocation func(chk *CRLChecker, firstFetch error)
	// Logf, when set, is told what the revocation check does at start
	// (RevocationOptions.StartNote), for the person who runs the demo.
	Logf func(format string, args ...any)
}

// Start builds the side's tls.Config (nil for plain) and returns it with
// the function that stops its revocation checker and certificate renewal
// follows ctx. A side that must present a certificate and has no source
// for one, or settings that contradict each other, fail with
// ErrBadConfig; a bad allow rule with ErrBadAllowRule.
func (s DemoSide) Start(ctx context.Context) (*tls.Config, func(), error) {
	noCert := s.Source.Name == "" && s.Source.CertFile == ""
	switch {
	case !s.MTLS && !s.TLS:
		return nil, func() {}, nil
	case s.Server && noCert:
		return nil, nil, fmt.Errorf("%w: a TLS server needs a certificate: a name to issue for, or certificate files", ErrBadConfig)
	case s.MTLS && noCert:
		return nil, nil, fmt.Errorf("%w: mutual TLS needs a client certificate: a name to issue for, or certificate files", ErrBadConfig)
	}
	if s.RootsFile != "" {
		roots, err := readRoots(s.RootsFile)
		if err != nil {
			return nil, nil, err
		}
		s.Source.Roots = roots
	}
	p, err := s.Source.Peer()
	if err != nil {
		return nil, nil, err
	}
	allow, err := ParseAllowRules(s.Allow)
	if err != nil {
		return nil, nil, err
	}
	d := DemoTLS{Server: s.Server, MTLS: s.MTLS, Peer: p, Allow: allow, ServerName: s.ServerName, Addr: s.Addr}
	stop := func() {}
	if d.ChecksRevocation() {
		chk, err := p.Revocation(ctx, s.Revocation)
		if s.OnRevocation != nil {
			s.OnRevocation(chk, err)
		}
		if m := s.Revocation.StartNote(chk, err); m != "" && s.Logf != nil {
			s.Logf("%s", m)
		}
		if chk != nil {
			d.Revocation, stop = chk, func() { chk.Close() }
		}
	}
	cfg, err := d.Config(ctx)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return cfg, stop, nil
}

// readRoots reads the certificates of a roots file: every CERTIFICATE
// block of a PEM bundle, or one DER certificate.
func readRoots(path string) ([]*x509.Certificate, error) {
	data, err := inputfile.Read(path, maxRootsFile)
	if err != nil {
		return nil, fmt.Errorf("netdemo: roots: %w", err)
	}
	roots, err := certpem.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("netdemo: roots file %s: %w", path, err)
	}
	return roots, nil
}
