package dnssrv

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// LookupTypes returns the record types Lookup understands.
func LookupTypes() []string { return []string{"A", "AAAA", "TXT", "SRV", "NS", "CNAME"} }

// Answer is what one resolution path said.
type Answer struct {
	// Path says how the answer was obtained.
	Path string
	// Values are the answers in a form both paths share: addresses, texts,
	// "priority weight port target." for SRV, names for NS and CNAME.
	Values []string
	// Rcode is the DNS response code (direct queries only).
	Rcode string
	// Authoritative is the AA flag (direct queries only).
	Authoritative bool
	// Records are the answer records in zone-file form (direct only).
	Records []string
	// Err is why the path failed; Values may still be empty without it.
	Err error
}

// LookupResult sets the ways a program can resolve a name side by side.
type LookupResult struct {
	Name, Type string
	// System is the system's path: net.DefaultResolver, which on Linux
	// follows /etc/nsswitch.conf, /etc/hosts, the search domains and
	// servers of /etc/resolv.conf (through getaddrinfo when cgo is used),
	// like getaddrinfo or Node's dns.lookup.
	System Answer
	// Resolver is Go's stub resolver (PreferGo) sending its queries to
	// server instead of resolv.conf's servers: the library logic (search
	// list, CNAME following, /etc/hosts for addresses) against our data.
	// Empty Path when no server was given.
	Resolver Answer
	// Direct is one query sent to server with miekg/dns, like Node's
	// dns.resolve*: exactly what that one server says, nothing more.
	Direct Answer
}

// Lookup resolves name for qtype (one of LookupTypes(), any case) along the
// three paths of LookupResult. server is host:port of the DNS server to
// ask directly (e.g. our 127.0.0.1:8053); empty means the first server of
// /etc/resolv.conf, and the Resolver path is then skipped. The error is
// only for bad arguments; each path reports its own failure in Answer.Err.
func Lookup(ctx context.Context, name, qtype, server string) (LookupResult, error) {
	qtype = strings.ToUpper(qtype)
	t, ok := dns.StringToType[qtype]
	if !ok || !slices.Contains(LookupTypes(), qtype) {
		return LookupResult{}, fmt.Errorf("%w: lookup type %q (want one of %s)", ErrType, qtype, strings.Join(LookupTypes(), ", "))
	}
	if _, ok := dns.IsDomainName(name); !ok || name == "" {
		return LookupResult{}, fmt.Errorf("%w: name %q", ErrParse, name)
	}
	res := LookupResult{Name: name, Type: qtype}
	res.System = resolve(ctx, net.DefaultResolver, name, t)
	res.System.Path = "system resolver (net.DefaultResolver: nsswitch, /etc/hosts, resolv.conf)"
	if server == "" {
		conf, err := dns.ClientConfigFromFile("/etc/resolv.conf")
		if err != nil || len(conf.Servers) == 0 {
			res.Direct = Answer{Path: "direct query", Err: fmt.Errorf("%w: no server given and none in /etc/resolv.conf: %v", ErrLookup, err)}
			return res, nil
		}
		server = net.JoinHostPort(conf.Servers[0], conf.Port)
	} else {
		r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		}}
		res.Resolver = resolve(ctx, r, name, t)
		res.Resolver.Path = "Go resolver (PreferGo) pointed at " + server
	}
	res.Direct = direct(ctx, server, name, t)
	return res, nil
}

// resolve asks a net.Resolver, as programs using the standard library do.
func resolve(ctx context.Context, r *net.Resolver, name string, t uint16) Answer {
	var a Answer
	host := strings.TrimSuffix(name, ".")
	switch t {
	case dns.TypeA, dns.TypeAAAA:
		network := "ip4"
		if t == dns.TypeAAAA {
			network = "ip6"
		}
		ips, err := r.LookupNetIP(ctx, network, host)
		a.Err = err
		for _, ip := range ips {
			a.Values = append(a.Values, ip.Unmap().String())
		}
	case dns.TypeTXT:
		a.Values, a.Err = r.LookupTXT(ctx, host)
	case dns.TypeSRV:
		_, srvs, err := r.LookupSRV(ctx, "", "", host)
		a.Err = err
		for _, s := range srvs {
			a.Values = append(a.Values, srvValue(s.Priority, s.Weight, s.Port, s.Target))
		}
	case dns.TypeNS:
		nss, err := r.LookupNS(ctx, host)
		a.Err = err
		for _, ns := range nss {
			a.Values = append(a.Values, dns.Fqdn(ns.Host))
		}
	case dns.TypeCNAME:
		// Go returns the canonical name at the end of the chain, or the
		// name itself when there is no CNAME.
		cname, err := r.LookupCNAME(ctx, host)
		a.Err = err
		if err == nil {
			a.Values = []string{dns.Fqdn(cname)}
		}
	}
	slices.Sort(a.Values)
	return a
}

// direct sends one query to server and reports the answer section for t.
func direct(ctx context.Context, server, name string, t uint16) Answer {
	a := Answer{Path: "direct query to " + server + " (miekg/dns)"}
	reply, err := query(ctx, server, name, t)
	if reply != nil {
		a.Rcode = dns.RcodeToString[reply.Rcode]
		a.Authoritative = reply.Authoritative
		for _, rr := range reply.Answer {
			a.Records = append(a.Records, strings.ReplaceAll(rr.String(), "\t", " "))
			if rr.Header().Rrtype != t {
				continue
			}
			switch r := rr.(type) {
			case *dns.A:
				a.Values = append(a.Values, r.A.String())
			case *dns.AAAA:
				a.Values = append(a.Values, r.AAAA.String())
			case *dns.TXT:
				a.Values = append(a.Values, strings.Join(r.Txt, ""))
			case *dns.SRV:
				a.Values = append(a.Values, srvValue(r.Priority, r.Weight, r.Port, r.Target))
			case *dns.NS:
				a.Values = append(a.Values, r.Ns)
			case *dns.CNAME:
				a.Values = append(a.Values, r.Target)
			}
		}
	}
	a.Err = err
	if err == nil && reply.Rcode == dns.RcodeNameError {
		a.Err = fmt.Errorf("%w: %s: NXDOMAIN", ErrLookup, name)
	}
	slices.Sort(a.Values)
	return a
}

func srvValue(prio, weight, port uint16, target string) string {
	return strconv.Itoa(int(prio)) + " " + strconv.Itoa(int(weight)) + " " + strconv.Itoa(int(port)) + " " + dns.Fqdn(target)
}
