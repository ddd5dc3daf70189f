package dnssrv

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// MaxTTL is the largest TTL a user record may carry: one week. Longer TTLs
// in a development zone only mean stale answers in caches after a change.
const MaxTTL = 7 * 24 * 3600

// allowedTypes are the record types a user may add; SOA and NS of the apex
// and the address of ns.ZONE are synthesised by the zone itself.
var allowedTypes = map[uint16]bool{
	dns.TypeSRV:   true,
	dns.TypeA:     true,
	dns.TypeAAAA:  true,
	dns.TypeTXT:   true,
	dns.TypeCNAME: true,
}

// ParseRR parses one record in zone-file form (as rr.String() prints it, or
// as a user types it: `_web._tcp.localca.test. 60 IN SRV 10 5 8443
// web.localca.test.`) and checks that this zone may serve it. A relative
// owner name is taken relative to the zone; a record without a TTL gets
// 3600. The returned record's owner name is lower-cased.
func (z *Zone) ParseRR(text string) (dns.RR, error) {
	return ParseRR(text, z.origin)
}

// ParseRR is (*Zone).ParseRR for a caller that has a zone name but no Zone,
// such as a command that only writes the record to a store.
func ParseRR(text, origin string) (dns.RR, error) {
	origin = dns.CanonicalName(origin)
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, fmt.Errorf("%w: empty text", ErrParse)
	}
	zp := dns.NewZoneParser(strings.NewReader(text), origin, "")
	rr, ok := zp.Next()
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrParse, text, err)
	}
	if !ok || rr == nil {
		return nil, fmt.Errorf("%w: %q: no record found", ErrParse, text)
	}
	if _, more := zp.Next(); more {
		return nil, fmt.Errorf("%w: %q: more than one record", ErrParse, text)
	}
	if err := checkRR(rr, origin); err != nil {
		return nil, err
	}
	rr = dns.Copy(rr)
	rr.Header().Name = dns.CanonicalName(rr.Header().Name)
	return rr, nil
}

// checkRR is the policy for user records: allowed type, class IN, owner in
// the zone and not reserved, sane TTL, and rdata a resolver can use.
func checkRR(rr dns.RR, origin string) error {
	h := rr.Header()
	name := dns.CanonicalName(h.Name)
	if !allowedTypes[h.Rrtype] {
		return fmt.Errorf("%w: %s %s (allowed: SRV, A, AAAA, TXT, CNAME)", ErrType, name, dns.TypeToString[h.Rrtype])
	}
	if h.Class != dns.ClassINET {
		return fmt.Errorf("%w: %s has class %s", ErrClass, name, dns.ClassToString[h.Class])
	}
	if !dns.IsSubDomain(origin, name) {
		return fmt.Errorf("%w: %s is not in %s", ErrOutOfZone, name, origin)
	}
	if name == nsName(origin) {
		return fmt.Errorf("%w: %s", ErrReservedName, name)
	}
	if h.Ttl < 1 || h.Ttl > MaxTTL {
		return fmt.Errorf("%w: %s has TTL %d (allowed 1..%d)", ErrTTL, name, h.Ttl, MaxTTL)
	}
	switch r := rr.(type) {
	case *dns.CNAME:
		if name == origin {
			return fmt.Errorf("%w: a CNAME at the zone apex %s would hide its SOA and NS", ErrCNAMEConflict, name)
		}
		if _, ok := dns.IsDomainName(r.Target); !ok {
			return fmt.Errorf("%w: CNAME target %q", ErrParse, r.Target)
		}
	case *dns.SRV:
		if _, ok := dns.IsDomainName(r.Target); !ok {
			return fmt.Errorf("%w: SRV target %q", ErrParse, r.Target)
		}
	case *dns.A:
		if r.A == nil || r.A.To4() == nil {
			return fmt.Errorf("%w: A record %s without an IPv4 address", ErrParse, name)
		}
	case *dns.AAAA:
		if len(r.AAAA) != 16 {
			return fmt.Errorf("%w: AAAA record %s without an IPv6 address", ErrParse, name)
		}
	case *dns.TXT:
		if len(r.Txt) == 0 {
			return fmt.Errorf("%w: TXT record %s without text", ErrParse, name)
		}
	}
	return nil
}

// nsName is the name of the zone's (synthesised) name server.
func nsName(origin string) string { return "ns." + origin }
