package dnssrv

import (
	"github.com/miekg/dns"
)

// maxChase bounds how many CNAMEs one answer follows inside the zone.
const maxChase = 8

// answer fills reply (already SetReply'd to a query for q) from the
// snapshot: the rcode, the AA flag, the answer, authority and additional
// sections. The caller handles EDNS0 and truncation.
func (z *Zone) answer(s *snapshot, q dns.Question, reply *dns.Msg) {
	name := dns.CanonicalName(q.Name)
	if q.Qclass != dns.ClassINET || !dns.IsSubDomain(z.origin, name) {
		// Not ours: no recursion, no referral, no AA.
		reply.Rcode = dns.RcodeRefused
		return
	}
	reply.Authoritative = true
	switch q.Qtype {
	case dns.TypeAXFR, dns.TypeIXFR, dns.TypeOPT, dns.TypeTSIG:
		// No zone transfers; meta types are not questions.
		reply.Rcode = dns.RcodeRefused
		reply.Authoritative = false
		return
	}
	seen := map[string]bool{}
	for range maxChase {
		seen[name] = true
		byType, exists := s.all[name]
		if !exists {
			if _, ent := s.ents[name]; !ent {
				reply.Rcode = dns.RcodeNameError
			}
			reply.Ns = append(reply.Ns, s.all[z.origin][dns.TypeSOA]...)
			break
		}
		if q.Qtype == dns.TypeANY {
			for _, rrs := range byType {
				reply.Answer = append(reply.Answer, rrs...)
			}
			break
		}
		if rrs := byType[q.Qtype]; len(rrs) > 0 {
			reply.Answer = append(reply.Answer, rrs...)
			break
		}
		cname := byType[dns.TypeCNAME]
		if len(cname) == 0 {
			// NODATA: the name exists, the type does not.
			reply.Ns = append(reply.Ns, s.all[z.origin][dns.TypeSOA]...)
			break
		}
		reply.Answer = append(reply.Answer, cname...)
		target := dns.CanonicalName(cname[0].(*dns.CNAME).Target)
		if seen[target] || !dns.IsSubDomain(z.origin, target) {
			// Outside the zone the client's resolver carries on; a loop
			// ends here.
			break
		}
		name = target
	}
	z.additional(s, reply)
}

// additional adds the addresses of SRV targets and of the NS host when the
// zone holds them, so a client needs no second round trip.
func (z *Zone) additional(s *snapshot, reply *dns.Msg) {
	var targets []string
	for _, rr := range reply.Answer {
		switch r := rr.(type) {
		case *dns.SRV:
			targets = append(targets, dns.CanonicalName(r.Target))
		case *dns.NS:
			targets = append(targets, dns.CanonicalName(r.Ns))
		}
	}
	done := map[string]bool{}
	for _, t := range targets {
		if done[t] {
			continue
		}
		done[t] = true
		byType := s.all[t]
		reply.Extra = append(reply.Extra, byType[dns.TypeA]...)
		reply.Extra = append(reply.Extra, byType[dns.TypeAAAA]...)
	}
}
