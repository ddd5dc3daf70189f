package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"
	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/netdemo"
	"github.com/localca/localca/netdemo/dnssrv"
	"github.com/localca/localca/policies"
)

func (e *env) upCommand() *cli.Command {
	return &cli.Command{
		Name:  "up",
		Usage: "bring up services that find each other by DNS-SRV and talk over mTLS",
		UsageText: `localca up                  # the sample set: echo (tcp) and web (http); web may call echo
   localca up services.toml
   localca call echo --as web hello`,
		Description: `For each service, up issues a short-lived peer certificate (SANs NAME.ZONE and
spiffe://ZONE/NAME, serverAuth + clientAuth), registers its SRV, A and TXT
records in a DNS server it runs (default 127.0.0.1:8053), and starts an mTLS
server that accepts only the services named in its allow list. Certificates
renew at two thirds of their life (with jitter) and are hot-reloaded; SIGHUP
renews them all now. SIGINT/SIGTERM deregister the records and stop.

Services file (TOML):

` + sampleServices,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dns-addr", Usage: "where to serve the zone (overrides the file's dns)"},
			&cli.DurationFlag{Name: "validity", Usage: "certificate lifetime (default: the file's validity, else the peer profile's, 24h)"},
			&cli.DurationFlag{Name: "crl-refresh", Value: 30 * time.Second, Usage: "how often services re-read the CA's CRL"},
			passwordFileFlag(),
			policyFlag(),
		},
		Action: e.up,
	}
}

// upService is one running service.
type upService struct {
	service
	id   *netdemo.Identity
	addr net.Addr
}

func (e *env) up(c *cli.Context) error {
	if c.Args().Len() > 1 {
		return usagef("up takes at most one services FILE")
	}
	f, err := loadServices(c.Args().First())
	if err != nil {
		return err
	}
	if a := c.String("dns-addr"); a != "" {
		f.DNS = a
	}
	ctx, stop := signalContext(c.Context)
	defer stop()
	if err := e.autoInit(c); err != nil {
		return err
	}
	authority, st, err := e.loadCA(c, false)
	if err != nil {
		return err
	}
	st.Close()
	if err := authority.Unlock(); err != nil {
		return err
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(authority.Root())
	inters.AddCert(authority.Intermediate())
	// Every handshake checks the caller against the CA's CRL, refreshed
	// every --crl-refresh: a service revoked with `localca revoke` is shut
	// out within that interval, on resumed sessions too.
	crl := &netdemo.CRLChecker{
		Fetch: func(context.Context) ([]byte, error) { return e.localCRL(c) }, Issuers: []*x509.Certificate{authority.Intermediate(), authority.Root()},
		Refresh: c.Duration("crl-refresh"), Log: e.stderr,
	}
	if err := crl.Start(ctx); err != nil {
		return fmt.Errorf("fetching the CA's CRL: %w", err)
	}
	defer crl.Close()

	validity := time.Duration(f.Validity)
	if c.IsSet("validity") {
		validity = c.Duration("validity")
	}
	issue := func(s service) (*tls.Certificate, error) {
		return e.issueService(c, f, s.Name, validity)
	}

	// DNS first, so a service is findable the moment it is registered.
	key, err := e.tsigKey(c)
	if err != nil {
		return err
	}
	dz, err := e.newDNSZone(c, f.Zone)
	if err != nil {
		return err
	}
	srv, pc, ln, err := e.startDNS(f.DNS, dz.zone, key)
	if err != nil {
		return fmt.Errorf("starting DNS on %s: %w", f.DNS, err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); srv.Serve(ctx, pc, ln) }()
	// Records added with `localca dns add` while up runs are served too.
	go dz.follow(ctx, e, c, time.Second)
	fmt.Fprintf(e.stdout, "dns %s zone %s\n", pc.LocalAddr(), f.Zone)

	var running []*upService
	var registered []dns.RR
	defer func() {
		// Deregister before the servers stop, so nobody is sent to a closed port.
		if len(registered) > 0 {
			if err := dz.zone.Remove(registered...); err != nil {
				e.note("up: deregistering: %v", err)
			}
		}
		stop()
		wg.Wait()
	}()
	for _, s := range f.Services {
		cert, err := issue(s)
		if err != nil {
			return err
		}
		us := &upService{service: s, id: netdemo.NewIdentity(cert)}
		var allow []string
		for _, a := range s.Allow {
			allow = append(allow, "uri:"+f.spiffeID(a))
		}
		rules, err := netdemo.ParseAllowRules(allow)
		if err != nil {
			return err
		}
		if len(rules) == 0 {
			// An empty list would admit any certificate of our CA; a
			// service that names no caller admits none.
			rules, _ = netdemo.ParseAllowRules([]string{"uri:spiffe://" + strings.TrimSuffix(f.Zone, ".") + "/.nobody"})
		}
		cfg, err := netdemo.ServerTLS{Identity: us.id, ClientCAs: roots, Intermediates: inters, Allow: rules, Revocation: crl}.Config()
		if err != nil {
			return err
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", s.Port))
		if err != nil {
			return fmt.Errorf("service %s: %w", s.Name, err)
		}
		us.addr = l.Addr()
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if s.Protocol == "http" {
				err = (&netdemo.HTTPServer{TLS: cfg, Log: e.stderr}).Serve(ctx, l)
			} else {
				err = (&netdemo.TCPServer{TLS: cfg, Log: e.stderr}).Serve(ctx, l)
			}
			if err != nil {
				e.note("service %s: %v", s.Name, err)
			}
		}()
		recs, err := serviceRecords(f, s, l.Addr().(*net.TCPAddr).Port)
		if err != nil {
			return err
		}
		// Records of this service left in the store by a run that did not
		// deregister (killed, crashed) point at ports nobody serves now,
		// or that another program took: replace them.
		if stale := staleRecords(dz.zone.Records(), recs); len(stale) > 0 {
			if err := dz.zone.Remove(stale...); err != nil {
				return fmt.Errorf("removing the old records of %s: %w", s.Name, err)
			}
			e.note("up: replaced %d record(s) of %s left by an earlier run", len(stale), s.Name)
		}
		if err := dz.zone.Add(recs...); err != nil {
			return fmt.Errorf("registering %s: %w", s.Name, err)
		}
		registered = append(registered, recs...)
		running = append(running, us)
		fmt.Fprintf(e.stdout, "service %s %s %s serial %x allow %s\n", s.Name, s.Protocol, l.Addr(), cert.Leaf.SerialNumber.Bytes(), strings.Join(s.Allow, ","))
	}
	for _, us := range running {
		us := us
		wg.Add(1)
		go func() {
			defer wg.Done()
			renewLoop(ctx, us.id, func() (*tls.Certificate, error) { return issue(us.service) }, e.note)
		}()
	}
	// SIGHUP renews every certificate now: how an operator (or a test)
	// rotates without a restart.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	fmt.Fprintf(e.stdout, "ready; try: localca call %s --as %s hello\n", running[0].Name, callerExample(f, running[0].service))
	for {
		select {
		case <-ctx.Done():
			e.note("up: stopping")
			return nil
		case <-hup:
			for _, us := range running {
				cert, err := issue(us.service)
				if err != nil {
					e.note("renewing %s: %v", us.Name, err)
					continue
				}
				us.id.Set(cert)
				fmt.Fprintf(e.stdout, "renewed %s serial %x\n", us.Name, cert.Leaf.SerialNumber.Bytes())
			}
		}
	}
}

func callerExample(f *servicesFile, s service) string {
	if len(s.Allow) > 0 {
		return s.Allow[0]
	}
	return "NAME"
}

// serviceRecords are what makes a service findable: SRV (where), A (the
// address), TXT (the protocol, DNS-SD style).
func serviceRecords(f *servicesFile, s service, port int) ([]dns.RR, error) {
	host := f.host(s.Name) + "."
	srvName := dnssrv.ServiceName(s.Name, "tcp", f.Zone)
	var out []dns.RR
	for _, text := range []string{
		fmt.Sprintf("%s 60 IN SRV 10 10 %d %s", srvName, port, host),
		fmt.Sprintf("%s 60 IN A 127.0.0.1", host),
		fmt.Sprintf(`%s 60 IN TXT "proto=%s"`, srvName, s.Protocol),
	} {
		rr, err := dnssrv.ParseRR(text, f.Zone)
		if err != nil {
			return nil, err
		}
		out = append(out, rr)
	}
	return out, nil
}

// staleRecords are the records of have with the name and type of one of
// recs: what a service's new registration replaces.
func staleRecords(have, recs []dns.RR) []dns.RR {
	type nameType struct {
		name  string
		rtype uint16
	}
	ours := map[nameType]bool{}
	for _, r := range recs {
		ours[nameType{dns.CanonicalName(r.Header().Name), r.Header().Rrtype}] = true
	}
	var out []dns.RR
	for _, r := range have {
		if ours[nameType{dns.CanonicalName(r.Header().Name), r.Header().Rrtype}] {
			out = append(out, r)
		}
	}
	return out
}

// issueService issues a service's peer certificate: NAME.ZONE and exactly
// one URI SAN, spiffe://ZONE/NAME.
func (e *env) issueService(c *cli.Context, f *servicesFile, name string, validity time.Duration) (*tls.Certificate, error) {
	authority, st, err := e.loadCA(c, false)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	iss, err := authority.Issue(ca.IssueRequest{Names: []string{f.host(name), f.spiffeID(name)}, Profile: policies.ProfilePeer, Validity: validity})
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(iss.ChainPEM(), iss.KeyPEM)
	if err != nil {
		return nil, err
	}
	cert.Leaf = iss.Cert
	return &cert, nil
}
