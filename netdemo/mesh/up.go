package mesh

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/localca/localca/netdemo"
	"github.com/localca/localca/netdemo/dnssrv"
)

// Issuer returns a fresh certificate (chain and key, Leaf set) for a
// service: host is its DNS name and spiffeID its one URI SAN; validity is
// the lifetime asked for (0: the issuer's default). Up calls it at start,
// at two thirds of each certificate's life and on RenewNow, from several
// goroutines.
type Issuer func(host, spiffeID string, validity time.Duration) (*tls.Certificate, error)

// Up is a set of services brought up together. Run starts them and keeps
// them until its context ends.
type Up struct {
	File     *File
	Issue    Issuer
	Validity time.Duration // certificate lifetime; 0 asks the issuer's default
	// Roots are the CAs whose certificates the services accept from
	// callers; Intermediates complete callers' chains.
	Roots, Intermediates *x509.CertPool
	// Revocation is checked for every caller on every handshake (resumed
	// sessions too); nil checks none.
	Revocation netdemo.RevocationChecker
	// Zone is where the services are registered, and what the DNS server
	// that Run starts on File.DNS serves; Keys sign RFC 2136 updates to it.
	Zone *dnssrv.Zone
	// Backing, when Zone is nil, is the zone's durable copy that other
	// processes change too: Run builds the zone from it, writes the
	// registrations to it, and serves what others add or remove within
	// FollowEvery (a second when 0).
	Backing     dnssrv.Backing
	FollowEvery time.Duration
	Keys        []dnssrv.TSIGKey
	// RenewNow renews every certificate at once for each signal received
	// (signal.Notify it with SIGHUP); may be nil.
	RenewNow <-chan os.Signal
	// Out gets one line per event (dns, service, ready, renewed), the
	// lines a script reads; Log gets the servers' logs; Logf notes.
	Out, Log io.Writer
	Logf     func(format string, args ...any)

	wg         sync.WaitGroup
	running    []*running
	registered []dns.RR
}

// running is one service that Up started.
type running struct {
	Service
	id *netdemo.Identity
}

// Run brings the services up as the README tells it: the zone is served
// first, so that a service is findable the moment it is registered; then
// each service gets its certificate, its mTLS server and its records;
// then every certificate is kept renewed. When ctx ends, Run deregisters
// the services before their servers stop, so that nobody is sent to a
// closed port.
func (u *Up) Run(ctx context.Context) error {
	ctx, stop := context.WithCancel(ctx)
	defer func() {
		u.deregister()
		stop()
		u.wg.Wait()
	}()
	if err := u.openZone(ctx); err != nil {
		return err
	}
	if err := u.serveDNS(ctx); err != nil {
		return err
	}
	for _, s := range u.File.Services {
		if err := u.start(ctx, s); err != nil {
			return err
		}
	}
	u.keepRenewed(ctx)
	first := u.running[0]
	caller := "NAME"
	if len(first.Allow) > 0 {
		caller = first.Allow[0]
	}
	fmt.Fprintf(u.Out, "ready; try: localca call %s --as %s hello\n", first.Name, caller)
	for {
		select {
		case <-ctx.Done():
			u.Logf("up: stopping")
			return nil
		case <-u.RenewNow:
			u.renewAll()
		}
	}
}

// openZone builds the zone from Backing, when no Zone is given, and
// follows what other processes change there until ctx ends.
func (u *Up) openZone(ctx context.Context) error {
	if u.Zone != nil {
		return nil
	}
	if u.Backing == nil {
		return errors.New("mesh: Up needs a Zone or a Backing")
	}
	bz, err := dnssrv.NewBackedZone(u.File.Zone, u.Backing)
	if err != nil {
		return err
	}
	every := u.FollowEvery
	if every <= 0 {
		every = time.Second
	}
	u.Zone = bz.Zone
	u.wg.Add(1)
	go func() { defer u.wg.Done(); bz.Follow(ctx, every, u.Logf) }()
	return nil
}

// serveDNS serves the zone over UDP and TCP on one port (for :0, the port
// the UDP socket got).
func (u *Up) serveDNS(ctx context.Context) error {
	pc, ln, err := dnssrv.Listen(u.File.DNS)
	if err != nil {
		return fmt.Errorf("starting DNS on %s: %w", u.File.DNS, err)
	}
	srv := &dnssrv.Server{Zone: u.Zone, Keys: u.Keys}
	u.wg.Add(1)
	go func() { defer u.wg.Done(); srv.Serve(ctx, pc, ln) }()
	fmt.Fprintf(u.Out, "dns %s zone %s\n", pc.LocalAddr(), u.File.Zone)
	u.Logf("dns %s serves queries and service discovery for zone %s to anyone who can reach it; updates only with the TSIG key", pc.LocalAddr(), u.File.Zone)
	return nil
}

// start issues a service's certificate, starts its mTLS server and
// registers it.
func (u *Up) start(ctx context.Context, s Service) error {
	cert, err := u.issue(s)
	if err != nil {
		return err
	}
	r := &running{Service: s, id: netdemo.NewIdentity(cert)}
	addr, err := u.serve(ctx, r)
	if err != nil {
		return err
	}
	if err := u.register(s, addr.Port); err != nil {
		return err
	}
	u.running = append(u.running, r)
	fmt.Fprintf(u.Out, "service %s %s %s serial %X allow %s\n", s.Name, s.Protocol, addr, cert.Leaf.SerialNumber.Bytes(), strings.Join(s.Allow, ","))
	who := "no caller (the service allows none)"
	if len(s.Allow) > 0 {
		who = "callers with a certificate of this CA (clientAuth, not revoked) of the services " + strings.Join(s.Allow, ", ")
	}
	u.Logf("service %s at %s serves %s over mTLS; it admits %s", s.Name, addr, s.Protocol, who)
	return nil
}

func (u *Up) issue(s Service) (*tls.Certificate, error) {
	return u.Issue(u.File.Host(s.Name), u.File.SpiffeID(s.Name), u.Validity)
}

// serve starts the service's mTLS server on loopback, admitting only the
// services its allow list names.
func (u *Up) serve(ctx context.Context, r *running) (*net.TCPAddr, error) {
	var allow []string
	for _, a := range r.Allow {
		allow = append(allow, "uri:"+u.File.SpiffeID(a))
	}
	if len(allow) == 0 {
		// An empty list would admit any certificate of the CA; a
		// service that names no caller admits none.
		allow = []string{"uri:" + u.File.SpiffeID(".nobody")}
	}
	rules, err := netdemo.ParseAllowRules(allow)
	if err != nil {
		return nil, err
	}
	cfg, err := netdemo.ServerTLS{Identity: r.id, ClientCAs: u.Roots, Intermediates: u.Intermediates, Allow: rules, Revocation: u.Revocation}.Config()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", r.Port))
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", r.Name, err)
	}
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		var err error
		if r.Protocol == "http" {
			err = (&netdemo.HTTPServer{TLS: cfg, Log: u.Log}).Serve(ctx, l)
		} else {
			err = (&netdemo.TCPServer{TLS: cfg, Log: u.Log}).Serve(ctx, l)
		}
		if err != nil {
			u.Logf("service %s: %v", r.Name, err)
		}
	}()
	return l.Addr().(*net.TCPAddr), nil
}

// register puts the service's records in the zone. Records of the service
// left by a run that did not deregister (killed, crashed) point at ports
// nobody serves now, or that another program took: they are replaced.
func (u *Up) register(s Service, port int) error {
	recs, err := u.File.Records(s, port)
	if err != nil {
		return err
	}
	if stale := staleRecords(u.Zone.Records(), recs); len(stale) > 0 {
		if err := u.Zone.Remove(stale...); err != nil {
			return fmt.Errorf("removing the old records of %s: %w", s.Name, err)
		}
		u.Logf("up: replaced %d record(s) of %s left by an earlier run", len(stale), s.Name)
	}
	if err := u.Zone.Add(recs...); err != nil {
		return fmt.Errorf("registering %s: %w", s.Name, err)
	}
	u.registered = append(u.registered, recs...)
	return nil
}

func (u *Up) deregister() {
	if len(u.registered) == 0 {
		return
	}
	if err := u.Zone.Remove(u.registered...); err != nil {
		u.Logf("up: deregistering: %v", err)
	}
}

// keepRenewed renews each certificate at two thirds of its life, with
// jitter, until ctx ends.
func (u *Up) keepRenewed(ctx context.Context) {
	for _, r := range u.running {
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			r.id.KeepRenewed(ctx, func() (*tls.Certificate, error) { return u.issue(r.Service) }, u.Logf)
		}()
	}
}

// renewAll renews every certificate now: how an operator (or a test)
// rotates without a restart.
func (u *Up) renewAll() {
	for _, r := range u.running {
		cert, err := u.issue(r.Service)
		if err != nil {
			u.Logf("renewing %s: %v", r.Name, err)
			continue
		}
		r.id.Set(cert)
		fmt.Fprintf(u.Out, "renewed %s serial %X\n", r.Name, cert.Leaf.SerialNumber.Bytes())
	}
}
