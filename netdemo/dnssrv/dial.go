package dnssrv

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// DialTimeout bounds the connection and TLS handshake to one address when
// the context has no earlier deadline.
const DialTimeout = 5 * time.Second

// Attempt is one failed try of Dial.
type Attempt struct {
	Target string // SRV target, without the final dot
	Addr   string // host:port dialled; empty if the target had no address
	Err    error
}

// DialError reports that every SRV target failed, with each failure.
type DialError struct {
	Service  string
	Attempts []Attempt
}

func (e *DialError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dnssrv: %s: all %d attempts failed", e.Service, len(e.Attempts))
	for _, a := range e.Attempts {
		where := a.Target
		if a.Addr != "" {
			where += " (" + a.Addr + ")"
		}
		fmt.Fprintf(&b, "; %s: %v", where, a.Err)
	}
	return b.String()
}

// Unwrap returns every attempt's error, so errors.Is/As see through.
func (e *DialError) Unwrap() []error {
	errs := make([]error, len(e.Attempts))
	for i, a := range e.Attempts {
		errs[i] = a.Err
	}
	return errs
}

// Dial discovers _service._tcp.zone through the DNS server at server,
// orders the targets (Order, with rnd) and connects over TLS to each in
// turn until one succeeds. It returns the connection (handshake done) and
// the target's name without the final dot. tlsConfig carries the client
// certificate and the trust pool (RootCAs) for mTLS; its ServerName is
// replaced by each SRV target, so the server's certificate must name the
// target. If every target fails, the error is a *DialError listing each.
func Dial(ctx context.Context, server, service, zone string, tlsConfig *tls.Config, rnd *rand.Rand) (*tls.Conn, string, error) {
	srvs, addrs, err := LookupSRV(ctx, server, service, "tcp", zone)
	if err != nil {
		return nil, "", err
	}
	return DialTargets(ctx, server, Order(srvs, rnd), addrs, tlsConfig)
}

// DialTargets tries ordered SRV targets as Dial does. A target's addresses
// come from addrs (the additional section) or else from A and AAAA queries
// to server (when server is not empty) and then the system resolver.
func DialTargets(ctx context.Context, server string, ordered []*dns.SRV, addrs map[string][]netip.Addr, tlsConfig *tls.Config) (*tls.Conn, string, error) {
	derr := &DialError{}
	if len(ordered) > 0 {
		derr.Service = strings.TrimSuffix(ordered[0].Hdr.Name, ".")
	}
	if len(ordered) == 0 {
		return nil, "", fmt.Errorf("%w: nothing to dial", ErrNoTargets)
	}
	for _, srv := range ordered {
		target := strings.TrimSuffix(dns.CanonicalName(srv.Target), ".")
		if target == "" {
			derr.Attempts = append(derr.Attempts, Attempt{Target: ".", Err: ErrNoTargets})
			continue
		}
		ips, err := targetAddrs(ctx, server, dns.CanonicalName(srv.Target), addrs)
		if err != nil {
			derr.Attempts = append(derr.Attempts, Attempt{Target: target, Err: err})
			continue
		}
		cfg := &tls.Config{}
		if tlsConfig != nil {
			cfg = tlsConfig.Clone()
		}
		cfg.ServerName = target
		for _, ip := range ips {
			addr := net.JoinHostPort(ip.String(), strconv.Itoa(int(srv.Port)))
			conn, err := dialTLS(ctx, addr, cfg)
			if err == nil {
				return conn, target, nil
			}
			derr.Attempts = append(derr.Attempts, Attempt{Target: target, Addr: addr, Err: err})
		}
	}
	return nil, "", derr
}

func dialTLS(ctx context.Context, addr string, cfg *tls.Config) (*tls.Conn, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DialTimeout)
		defer cancel()
	}
	d := &tls.Dialer{Config: cfg}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return conn.(*tls.Conn), nil
}

// targetAddrs finds the addresses of a canonical target name.
func targetAddrs(ctx context.Context, server, target string, known map[string][]netip.Addr) ([]netip.Addr, error) {
	if ips := known[target]; len(ips) > 0 {
		return ips, nil
	}
	var errs []error
	if server != "" {
		var ips []netip.Addr
		for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
			reply, err := query(ctx, server, target, t)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			for _, rr := range reply.Answer {
				switch r := rr.(type) {
				case *dns.A:
					if a, ok := netip.AddrFromSlice(r.A.To4()); ok {
						ips = append(ips, a)
					}
				case *dns.AAAA:
					if a, ok := netip.AddrFromSlice(r.AAAA); ok {
						ips = append(ips, a)
					}
				}
			}
		}
		if len(ips) > 0 {
			return ips, nil
		}
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", strings.TrimSuffix(target, "."))
	if err == nil && len(ips) > 0 {
		return ips, nil
	}
	errs = append(errs, err)
	return nil, fmt.Errorf("%w: no address for %s: %w", ErrLookup, target, errors.Join(errs...))
}
