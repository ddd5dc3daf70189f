package dnssrv

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/miekg/dns"
)

// DefaultOrigin is the zone served when ZoneConfig.Origin is empty.
const DefaultOrigin = "localca.test."

// ZoneConfig configures NewZone. Its zero value serves an empty
// localca.test. zone whose name server is 127.0.0.1.
type ZoneConfig struct {
	// Origin is the zone apex, e.g. "localca.test." (a missing final dot
	// is added).
	Origin string
	// NSAddrs are the addresses of ns.ZONE, the zone's only name server;
	// default 127.0.0.1.
	NSAddrs []netip.Addr
	// Records are the records the zone starts with, typically loaded from
	// the caller's store. Each must pass ParseRR's checks.
	Records []dns.RR
	// Persist, if set, is called with every change BEFORE the change is
	// applied and acknowledged (Add, Remove, a DNS UPDATE). If it returns
	// an error the change is dropped, the caller gets the error and an
	// UPDATE is answered SERVFAIL. It runs under the zone's write lock, so
	// calls never overlap and arrive in the order the changes are applied.
	Persist func(added, removed []dns.RR) error
	// Serial is the SOA serial of the initial zone; 0 means the current
	// Unix time, so serials keep growing across restarts.
	Serial uint32
	// TTL of the synthesised SOA, NS and ns.ZONE address records, and the
	// negative-caching TTL (RFC 2308); default 60.
	TTL uint32
}

// Zone holds the records of one zone in memory. Reads are lock-free: a
// query sees an immutable snapshot; writers (Add, Remove, UPDATE) build a
// new snapshot under a mutex and swap it in, bumping the SOA serial. A Zone
// is safe for concurrent use.
type Zone struct {
	origin  string
	ns      string
	nsAddrs []netip.Addr
	ttl     uint32
	persist func(added, removed []dns.RR) error

	mu   sync.Mutex // serialises writers
	snap atomic.Pointer[snapshot]
}

// snapshot is one immutable version of the zone.
type snapshot struct {
	serial uint32
	user   rrsets              // records the user added
	all    rrsets              // user records plus SOA, NS, ns.ZONE addresses
	ents   map[string]struct{} // empty non-terminals (RFC 8020: NODATA, not NXDOMAIN)
	cache  *answerCache        // packed answers for this snapshot
}

// rrsets maps a canonical owner name to its RRsets by type.
type rrsets map[string]map[uint16][]dns.RR

func (s rrsets) clone() rrsets {
	c := make(rrsets, len(s))
	for name, byType := range s {
		m := make(map[uint16][]dns.RR, len(byType))
		for t, rrs := range byType {
			m[t] = slices.Clone(rrs)
		}
		c[name] = m
	}
	return c
}

func (s rrsets) list() []dns.RR {
	var out []dns.RR
	for _, byType := range s {
		for _, rrs := range byType {
			out = append(out, rrs...)
		}
	}
	slices.SortFunc(out, func(a, b dns.RR) int {
		if c := strings.Compare(a.Header().Name, b.Header().Name); c != 0 {
			return c
		}
		if a.Header().Rrtype != b.Header().Rrtype {
			return int(a.Header().Rrtype) - int(b.Header().Rrtype)
		}
		return strings.Compare(a.String(), b.String())
	})
	return out
}

// NewZone builds a zone holding cfg.Records. It fails if a record breaks
// the rules of ParseRR or two records conflict (CNAME and other data).
func NewZone(cfg ZoneConfig) (*Zone, error) {
	origin := cfg.Origin
	if origin == "" {
		origin = DefaultOrigin
	}
	if _, ok := dns.IsDomainName(origin); !ok {
		return nil, fmt.Errorf("%w: zone name %q", ErrParse, origin)
	}
	origin = dns.CanonicalName(origin)
	z := &Zone{
		origin:  origin,
		ns:      nsName(origin),
		nsAddrs: slices.Clone(cfg.NSAddrs),
		ttl:     cfg.TTL,
		persist: cfg.Persist,
	}
	if len(z.nsAddrs) == 0 {
		z.nsAddrs = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	}
	if z.ttl == 0 {
		z.ttl = 60
	}
	serial := cfg.Serial
	if serial == 0 {
		serial = uint32(time.Now().Unix())
	}
	w := writer{z: z, set: rrsets{}, strict: true}
	for _, rr := range cfg.Records {
		if err := w.add(rr); err != nil {
			return nil, fmt.Errorf("dnssrv: initial records: %w", err)
		}
	}
	z.snap.Store(z.build(w.set, serial))
	return z, nil
}

// Origin returns the zone apex in canonical form ("localca.test.").
func (z *Zone) Origin() string { return z.origin }

// Serial returns the current SOA serial.
func (z *Zone) Serial() uint32 { return z.snap.Load().serial }

// Records returns the user records, sorted by name and type; SOA, NS and
// the ns.ZONE address are not included. The records are copies.
func (z *Zone) Records() []dns.RR {
	rrs := z.snap.Load().user.list()
	for i, rr := range rrs {
		rrs[i] = dns.Copy(rr)
	}
	return rrs
}

// Add adds records (an RR identical but for its TTL replaces the old one).
// It refuses, changing nothing, if any record breaks ParseRR's rules or
// would put a CNAME beside other data.
func (z *Zone) Add(rrs ...dns.RR) error {
	return z.change(true, func(w *writer) error {
		for _, rr := range rrs {
			if err := w.add(rr); err != nil {
				return err
			}
		}
		return nil
	})
}

// Remove removes records, compared by name, type and data (not TTL). It
// refuses, changing nothing, if one of them is not in the zone.
func (z *Zone) Remove(rrs ...dns.RR) error {
	return z.change(true, func(w *writer) error {
		for _, rr := range rrs {
			if !w.deleteRR(rr) {
				return fmt.Errorf("%w: %s", ErrNoSuchRecord, strings.ReplaceAll(rr.String(), "\t", " "))
			}
		}
		return nil
	})
}

// change runs edit on a copy of the user records, persists the difference
// and swaps in the new snapshot. Nothing changes if edit or Persist fails.
func (z *Zone) change(strict bool, edit func(w *writer) error) error {
	z.mu.Lock()
	defer z.mu.Unlock()
	old := z.snap.Load()
	w := writer{z: z, set: old.user.clone(), strict: strict}
	if err := edit(&w); err != nil {
		return err
	}
	added, removed := diff(old.user, w.set)
	if len(added) == 0 && len(removed) == 0 {
		return nil
	}
	if z.persist != nil {
		if err := z.persist(added, removed); err != nil {
			return fmt.Errorf("%w: %w", ErrPersist, err)
		}
	}
	serial := old.serial + 1
	if serial == 0 {
		serial = 1
	}
	z.snap.Store(z.build(w.set, serial))
	return nil
}

// diff lists the records of b that are not in a (added) and of a that are
// not in b (removed); a TTL change counts as both.
func diff(a, b rrsets) (added, removed []dns.RR) {
	contains := func(s rrsets, rr dns.RR) bool {
		for _, x := range s[rr.Header().Name][rr.Header().Rrtype] {
			if dns.IsDuplicate(x, rr) && x.Header().Ttl == rr.Header().Ttl {
				return true
			}
		}
		return false
	}
	for _, rr := range b.list() {
		if !contains(a, rr) {
			added = append(added, dns.Copy(rr))
		}
	}
	for _, rr := range a.list() {
		if !contains(b, rr) {
			removed = append(removed, dns.Copy(rr))
		}
	}
	return added, removed
}

// build makes the snapshot for a set of user records.
func (z *Zone) build(user rrsets, serial uint32) *snapshot {
	all := user.clone()
	put := func(rr dns.RR) {
		h := rr.Header()
		if all[h.Name] == nil {
			all[h.Name] = map[uint16][]dns.RR{}
		}
		all[h.Name][h.Rrtype] = append(all[h.Name][h.Rrtype], rr)
	}
	put(z.soa(serial))
	put(&dns.NS{Hdr: dns.RR_Header{Name: z.origin, Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: z.ttl}, Ns: z.ns})
	for _, a := range z.nsAddrs {
		hdr := dns.RR_Header{Name: z.ns, Class: dns.ClassINET, Ttl: z.ttl}
		if a.Is4() {
			hdr.Rrtype = dns.TypeA
			put(&dns.A{Hdr: hdr, A: a.AsSlice()})
		} else {
			hdr.Rrtype = dns.TypeAAAA
			put(&dns.AAAA{Hdr: hdr, AAAA: a.AsSlice()})
		}
	}
	ents := map[string]struct{}{}
	for name := range all {
		for p := parent(name); p != "" && p != z.origin && dns.IsSubDomain(z.origin, p); p = parent(p) {
			if _, ok := all[p]; !ok {
				ents[p] = struct{}{}
			}
		}
	}
	return &snapshot{serial: serial, user: user, all: all, ents: ents, cache: newAnswerCache()}
}

// soa is the zone's synthesised SOA record.
func (z *Zone) soa(serial uint32) *dns.SOA {
	return &dns.SOA{
		Hdr:     dns.RR_Header{Name: z.origin, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: z.ttl},
		Ns:      z.ns,
		Mbox:    "hostmaster." + z.origin,
		Serial:  serial,
		Refresh: 3600,
		Retry:   600,
		Expire:  86400,
		Minttl:  z.ttl,
	}
}

// parent returns the name one label up, or "" for the root.
func parent(name string) string {
	off, end := dns.NextLabel(name, 0)
	if end {
		return ""
	}
	return name[off:]
}
