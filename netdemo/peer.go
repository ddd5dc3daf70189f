package netdemo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"time"
)

// fileWatchInterval is how often a Peer built from files looks for new ones.
const fileWatchInterval = 2 * time.Second

// PeerConfig says where a Peer's certificate and trust come from, from any
// PKI: an issuer function, or certificate files; the roots it trusts and
// the CA certificates whose CRLs it accepts.
type PeerConfig struct {
	// Issue, when set, gives the Peer a fresh certificate (leaf first,
	// then its CA certificates): for its first unless Cert is given, and
	// again at two thirds of each one's life (see Keep).
	Issue func() (*tls.Certificate, error)
	// Cert is the first certificate of an issued Peer; nil asks Issue.
	Cert *tls.Certificate
	// CertFile and KeyFile, when set instead of Issue, hold the PEM chain
	// (leaf first) and its key; Keep reloads them when they change.
	CertFile, KeyFile string
	// Roots are the trust anchors the other side's chain must end at.
	Roots []*x509.Certificate
	// Issuers are CA certificates whose CRLs are trusted; they also
	// complete the chain of a peer that sends only its leaf.
	Issuers []*x509.Certificate
	// CRL fetches the revocation source's CRLs (PEM or DER); nil for none.
	CRL func(context.Context) ([]byte, error)
	// Logf receives renewals and reloads; nil discards them.
	Logf func(string, ...any)
}

// Peer is what one side of a connection proves and trusts: the
// certificate it presents, kept fresh by Keep, the roots it trusts, and
// the revocation source it checks the other side against. Make one with
// NewPeer.
type Peer struct {
	// Identity is the certificate presented; nil when none was given.
	Identity *Identity
	// Roots is the pool of PeerConfig.Roots.
	Roots *x509.CertPool
	// Issuers are PeerConfig.Issuers.
	Issuers []*x509.Certificate
	// Chain is the CA certificates after the leaf of CertFile: CRL
	// signers once verified up to Roots.
	Chain []*x509.Certificate
	// CRL is PeerConfig.CRL.
	CRL func(context.Context) ([]byte, error)

	cfg PeerConfig
}

// NewPeer gets the Peer's first certificate (issued, or read from its
// files) and builds its trust pool.
func NewPeer(cfg PeerConfig) (*Peer, error) {
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	p := &Peer{Roots: certPool(cfg.Roots), Issuers: cfg.Issuers, CRL: cfg.CRL, cfg: cfg}
	switch {
	case cfg.Issue != nil:
		cert := cfg.Cert
		if cert == nil {
			var err error
			if cert, err = cfg.Issue(); err != nil {
				return nil, err
			}
		}
		p.Identity = NewIdentity(cert)
	case cfg.CertFile != "":
		id, err := NewFileIdentity(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, err
		}
		p.Identity = id
		for _, der := range id.Certificate().Certificate[1:] {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, fmt.Errorf("netdemo: %s: %w", cfg.CertFile, err)
			}
			p.Chain = append(p.Chain, c)
		}
	}
	return p, nil
}

// Keep keeps the Peer's certificate fresh until ctx ends: an issued one is
// renewed at two thirds of its life (with jitter), one from files is
// reloaded when they change, and a failed reload keeps the old one.
func (p *Peer) Keep(ctx context.Context) {
	switch {
	case p.Identity == nil:
	case p.cfg.Issue != nil:
		p.Identity.KeepRenewed(ctx, p.cfg.Issue, p.cfg.Logf)
	case p.cfg.CertFile != "":
		p.Identity.WatchFiles(ctx, fileWatchInterval, func(err error) {
			if err != nil {
				p.cfg.Logf("reload of %s failed (still serving the old certificate): %v", p.cfg.CertFile, err)
			} else {
				p.cfg.Logf("reloaded %s", p.cfg.CertFile)
			}
		})
	}
}

// Intermediates is a pool of the Issuers, to complete the chain of a peer
// that sends only its leaf.
func (p *Peer) Intermediates() *x509.CertPool { return certPool(p.Issuers) }

// RevocationOptions say how a Peer checks the other side's revocation.
type RevocationOptions struct {
	// Source, when set, is a CRL URL or file read instead of Peer.CRL.
	Source string
	// Refresh is how often the CRL is fetched again (DefaultCRLRefresh
	// when 0); FailOpen accepts peers whose status is unknown.
	Refresh  time.Duration
	FailOpen bool
	// Log receives refusals and failed fetches.
	Log io.Writer
}

// StartNote is what a side says of its revocation check once started
// (Peer.Revocation's checker and first error): that it checks nothing, as
// its roots are not the CA's and it has no CRL; or that the first fetch
// failed, which is not fatal (the checker keeps trying) and how peers fare
// until a CRL arrives. "" when the check runs.
func (o RevocationOptions) StartNote(chk *CRLChecker, firstFetch error) string {
	switch {
	case chk == nil:
		return "checks no revocation of peers: --ca is not this CA's root; give --crl URL|FILE (e.g. http://127.0.0.1:8080/crl)"
	case firstFetch != nil && o.FailOpen:
		return fmt.Sprintf("first CRL fetch failed (%v); failing open", firstFetch)
	case firstFetch != nil:
		return fmt.Sprintf("first CRL fetch failed (%v); refusing peers until a CRL arrives", firstFetch)
	}
	return ""
}

// Revocation starts a CRL checker over the Peer's revocation source and
// returns it; nil when the Peer has none. A first fetch that fails is
// returned beside the checker, which keeps trying and fails closed (or
// open) meanwhile. Close the checker when done.
func (p *Peer) Revocation(ctx context.Context, o RevocationOptions) (*CRLChecker, error) {
	fetch := p.CRL
	if o.Source != "" {
		fetch = FetchCRL(o.Source, p.Roots)
	}
	if fetch == nil {
		return nil, nil
	}
	chk := &CRLChecker{Fetch: fetch, Issuers: p.Issuers, Roots: p.Roots, Intermediates: p.Chain,
		Refresh: o.Refresh, FailOpen: o.FailOpen, Log: o.Log}
	return chk, chk.Start(ctx)
}

// ServerTLS describes a server presenting the Peer's certificate; with
// mTLS, clients must chain to its Roots, match allow and pass rev.
func (p *Peer) ServerTLS(mtls bool, allow AllowRules, rev RevocationChecker) ServerTLS {
	st := ServerTLS{Identity: p.Identity}
	if mtls {
		st.ClientCAs, st.Allow, st.Intermediates, st.Revocation = p.Roots, allow, p.Intermediates(), rev
	}
	return st
}

// ClientTLS describes a client that trusts the Peer's Roots for
// serverName, checks allow and rev, and presents the Peer's certificate
// with mTLS.
func (p *Peer) ClientTLS(serverName string, mtls bool, allow AllowRules, rev RevocationChecker) ClientTLS {
	ct := ClientTLS{RootCAs: p.Roots, ServerName: serverName, Allow: allow, Revocation: rev}
	if mtls {
		ct.Identity = p.Identity
	}
	return ct
}

// CertPool is a pool holding certs.
func CertPool(certs ...*x509.Certificate) *x509.CertPool { return certPool(certs) }

func certPool(certs []*x509.Certificate) *x509.CertPool {
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool
}
