package dnssrv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// LookupTimeout bounds one query of LookupSRV and Lookup when the context
// has no earlier deadline.
const LookupTimeout = 3 * time.Second

// ServiceName builds the SRV owner name _service._proto.zone. (a leading
// underscore on service or proto is optional).
func ServiceName(service, proto, zone string) string {
	return "_" + strings.TrimPrefix(service, "_") + "._" + strings.TrimPrefix(proto, "_") + "." + dns.Fqdn(zone)
}

// LookupSRV asks the DNS server at server (host:port) for the SRV records of
// _service._proto.zone, over UDP and again over TCP if the answer was
// truncated. Besides the records it returns the addresses the server put in
// the additional section, keyed by canonical target name ("a.zone."), so a
// caller can dial without another query. NXDOMAIN and an empty answer give
// an error wrapping ErrNoTargets.
func LookupSRV(ctx context.Context, server, service, proto, zone string) ([]*dns.SRV, map[string][]netip.Addr, error) {
	name := ServiceName(service, proto, zone)
	reply, err := query(ctx, server, name, dns.TypeSRV)
	if err != nil {
		return nil, nil, err
	}
	var srvs []*dns.SRV
	for _, rr := range reply.Answer {
		if srv, ok := rr.(*dns.SRV); ok && dns.CanonicalName(srv.Hdr.Name) == dns.CanonicalName(name) {
			srvs = append(srvs, srv)
		}
	}
	if reply.Rcode == dns.RcodeNameError || len(srvs) == 0 {
		return nil, nil, fmt.Errorf("%w: %s (%s)", ErrNoTargets, name, dns.RcodeToString[reply.Rcode])
	}
	return srvs, additionalAddrs(reply), nil
}

// additionalAddrs collects the A and AAAA records of a reply's additional
// section by canonical owner name.
func additionalAddrs(reply *dns.Msg) map[string][]netip.Addr {
	addrs := map[string][]netip.Addr{}
	for _, rr := range reply.Extra {
		var ip []byte
		switch r := rr.(type) {
		case *dns.A:
			ip = r.A.To4()
		case *dns.AAAA:
			ip = r.AAAA
		default:
			continue
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			name := dns.CanonicalName(rr.Header().Name)
			addrs[name] = append(addrs[name], a)
		}
	}
	return addrs
}

// query sends one question to server over UDP (EDNS0, 1232 bytes) and
// repeats it over TCP when the answer comes back truncated. A reply with
// an rcode other than NOERROR or NXDOMAIN is an error wrapping ErrLookup.
func query(ctx context.Context, server, name string, qtype uint16) (*dns.Msg, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, LookupTimeout)
		defer cancel()
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.SetEdns0(DefaultMaxUDPSize, false)
	var reply *dns.Msg
	var err error
	for _, netw := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: netw, UDPSize: DefaultMaxUDPSize}
		reply, _, err = c.ExchangeContext(ctx, m, server)
		if err != nil {
			return nil, fmt.Errorf("%w: %s %s @%s over %s: %w", ErrLookup, name, dns.TypeToString[qtype], server, netw, err)
		}
		if !reply.Truncated {
			break
		}
	}
	if reply.Rcode != dns.RcodeSuccess && reply.Rcode != dns.RcodeNameError {
		return reply, fmt.Errorf("%w: %s %s @%s: %s", ErrLookup, name, dns.TypeToString[qtype], server, dns.RcodeToString[reply.Rcode])
	}
	return reply, nil
}

// Order returns the records in the order a client should try them (RFC
// 2782): lowest priority first; within one priority, repeated weighted
// random selection without replacement, where a record is picked with
// probability weight/sum. Weight-0 records are placed first before each
// draw, as the RFC's algorithm says, so they are picked only when the draw
// is 0 (rarely, when others have weight) and in random order when all are
// 0. A single record with target "." (service explicitly not available)
// yields an empty list. rnd supplies the randomness (a seeded *rand.Rand
// makes the order reproducible); nil uses math/rand/v2's global source.
// The input slice is not modified.
func Order(srvs []*dns.SRV, rnd *rand.Rand) []*dns.SRV {
	if len(srvs) == 1 && srvs[0].Target == "." {
		return nil
	}
	intN := rand.IntN
	if rnd != nil {
		intN = rnd.IntN
	}
	byPrio := slices.Clone(srvs)
	slices.SortStableFunc(byPrio, func(a, b *dns.SRV) int { return int(a.Priority) - int(b.Priority) })
	out := make([]*dns.SRV, 0, len(srvs))
	for len(byPrio) > 0 {
		end := 1
		for end < len(byPrio) && byPrio[end].Priority == byPrio[0].Priority {
			end++
		}
		group := slices.Clone(byPrio[:end])
		byPrio = byPrio[end:]
		// Shuffle, then put the zero weights first (stable), so that ties
		// and all-zero groups come out in random order.
		for i := len(group) - 1; i > 0; i-- {
			j := intN(i + 1)
			group[i], group[j] = group[j], group[i]
		}
		slices.SortStableFunc(group, func(a, b *dns.SRV) int {
			return min(int(a.Weight), 1) - min(int(b.Weight), 1)
		})
		for len(group) > 0 {
			sum := 0
			for _, s := range group {
				sum += int(s.Weight)
			}
			pick := intN(sum + 1) // uniform in [0, sum]
			i, running := 0, 0
			for ; i < len(group)-1; i++ {
				running += int(group[i].Weight)
				if running >= pick {
					break
				}
			}
			out = append(out, group[i])
			group = slices.Delete(group, i, i+1)
		}
	}
	return out
}
