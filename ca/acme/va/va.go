// Package va validates ACME challenges (RFC 8555 8.3 http-01, 8.4 dns-01,
// RFC 8737 tls-alpn-01, RFC 8738 for IP addresses) for localca's ACME
// server. Names resolve through localca's own DNS zone first (the records
// `localca dns` serves), then loopback for localhost names, then the
// system resolver; dns-01 is checked against the own zone alone, where clients
// publish their TXT records by RFC 2136.
package va

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// Defaults of Validator.
const (
	DefaultHTTPPort    = 80
	DefaultTLSPort     = 443
	DefaultDialTimeout = 5 * time.Second
	maxResponse        = 4 << 10 // bytes of an http-01 answer read
	maxRedirects       = 3
)

// Validator checks challenges. The zero value validates on ports 80 and
// 443 with the system resolver and no own zone.
type Validator struct {
	// HTTPPort and TLSPort are where http-01 and tls-alpn-01 connect
	// (0: 80 and 443), so that tests and unprivileged clients need neither.
	HTTPPort, TLSPort int
	// Records returns the own zone's records in zone-file form (the
	// store's DNS records); nil means no own zone.
	Records func() ([]string, error)
	// Resolver is the system resolver; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// DialTimeout bounds each connection (0: DefaultDialTimeout).
	DialTimeout time.Duration
}

// Validate checks one challenge: nil when the response is right.
func (v *Validator) Validate(ctx context.Context, challenge, identType, identValue, token, keyAuth string) error {
	if identType != "dns" && identType != "ip" {
		return fmt.Errorf("%w: identifier type %q", ErrUnsupported, identType)
	}
	switch challenge {
	case "http-01":
		return v.http01(ctx, identType, identValue, token, keyAuth)
	case "tls-alpn-01":
		return v.tlsALPN01(ctx, identType, identValue, keyAuth)
	case "dns-01":
		if identType != "dns" {
			return fmt.Errorf("%w: dns-01 for an IP address", ErrUnsupported)
		}
		return v.dns01(identValue, keyAuth)
	}
	return fmt.Errorf("%w: %q", ErrUnsupported, challenge)
}

func (v *Validator) port(tls bool) int {
	if tls {
		if v.TLSPort > 0 {
			return v.TLSPort
		}
		return DefaultTLSPort
	}
	if v.HTTPPort > 0 {
		return v.HTTPPort
	}
	return DefaultHTTPPort
}

func (v *Validator) dialTimeout() time.Duration {
	if v.DialTimeout > 0 {
		return v.DialTimeout
	}
	return DefaultDialTimeout
}

// zone parses the own zone's records; an unparsable one is skipped (the
// DNS server refuses to serve it too).
func (v *Validator) zone() ([]dns.RR, error) {
	if v.Records == nil {
		return nil, nil
	}
	texts, err := v.Records()
	if err != nil {
		return nil, fmt.Errorf("%w: reading localca's zone: %w", ErrDNS, err)
	}
	var out []dns.RR
	for _, t := range texts {
		if rr, err := dns.NewRR(t); err == nil && rr != nil {
			out = append(out, rr)
		}
	}
	return out, nil
}

// addresses resolves an identifier to the addresses to try, IPv4 first:
// the own zone's A/AAAA records, else loopback for localhost names
// (RFC 6761), else the system resolver's.
func (v *Validator) addresses(ctx context.Context, identType, name string) ([]net.IP, error) {
	if identType == "ip" {
		ip := net.ParseIP(name)
		if ip == nil {
			return nil, fmt.Errorf("%w: %q is not an IP address", ErrUnsupported, name)
		}
		return []net.IP{ip}, nil
	}
	rrs, err := v.zone()
	if err != nil {
		return nil, err
	}
	var own []net.IP
	fqdn := dns.CanonicalName(name)
	for _, rr := range rrs {
		if dns.CanonicalName(rr.Header().Name) != fqdn {
			continue
		}
		switch r := rr.(type) {
		case *dns.A:
			own = append(own, r.A)
		case *dns.AAAA:
			own = append(own, r.AAAA)
		}
	}
	if len(own) > 0 {
		return v4First(own), nil
	}
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		// RFC 6761 6.3: localhost names are loopback; asking the network
		// would only wait for a resolver that must not answer.
		return []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, nil
	}
	res := v.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	addrs, rerr := res.LookupIPAddr(ctx, name)
	var ips []net.IP
	for _, a := range addrs {
		ips = append(ips, a.IP)
	}
	if len(ips) > 0 {
		return v4First(ips), nil
	}
	return nil, fmt.Errorf("%w: no address for %q in localca's zone or the system resolver (%v)", ErrDNS, name, rerr)
}

func v4First(ips []net.IP) []net.IP {
	var v4, v6 []net.IP
	for _, ip := range ips {
		if ip.To4() != nil {
			v4 = append(v4, ip)
		} else {
			v6 = append(v6, ip)
		}
	}
	return append(v4, v6...)
}

// dial connects to the first address of name that answers on port.
func (v *Validator) dial(ctx context.Context, identType, name string, port int) (net.Conn, error) {
	ips, err := v.addresses(ctx, identType, name)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: v.dialTimeout()}
	var errs []string
	for _, ip := range ips {
		c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(ip.String(), strconv.Itoa(port)))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err.Error())
	}
	return nil, fmt.Errorf("%w: %q port %d: %s", ErrConnection, name, port, strings.Join(errs, "; "))
}
