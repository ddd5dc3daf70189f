package dnssrv

import (
	"encoding/hex"
	"errors"

	"github.com/miekg/dns"
)

// serveUpdate applies an RFC 2136 UPDATE. Only TSIG-signed updates with a
// key of Server.Keys are accepted: unsigned ones get REFUSED, badly signed
// ones NOTAUTH (RFC 8945 §5.2). Prerequisites are not supported (NOTIMP).
func (s *Server) serveUpdate(w dns.ResponseWriter, req *dns.Msg) {
	reply := new(dns.Msg)
	reply.SetReply(req)
	t := req.IsTsig()
	switch {
	case t == nil:
		reply.Rcode = dns.RcodeRefused
		s.write(w, req, reply)
		return
	case w.TsigStatus() != nil:
		s.writeTSIGError(w, req, t, w.TsigStatus())
		return
	}
	reply.SetTsig(t.Hdr.Name, t.Algorithm, tsigFudge, s.now().Unix())
	mac, err := hex.DecodeString(t.MAC)
	if err != nil {
		reply.Rcode = dns.RcodeFormatError
		s.write(w, req, reply)
		return
	}
	rcode, replay, err := s.replayGuard().Claim(mac, s.now())
	switch {
	case err != nil:
		reply.Rcode = dns.RcodeServerFailure // nothing changed: a retry is safe
	case replay && rcode < 0:
		reply.Rcode = dns.RcodeServerFailure // the first copy is still being answered
	case replay:
		reply.Rcode = rcode // the original answer, nothing changed
	default:
		reply.Rcode = s.applyUpdate(req, t.Hdr.Name)
		// A guard that cannot record the answer leaves the MAC claimed as
		// pending: a repeat gets SERVFAIL and still changes nothing.
		_ = s.replayGuard().Answered(mac, reply.Rcode)
	}
	s.write(w, req, reply)
}

// applyUpdate checks the zone section, prescans the update section (RFC
// 2136 §3.4.1) and applies it as one change; it returns the rcode.
func (s *Server) applyUpdate(req *dns.Msg, keyName string) int {
	z := s.Zone
	if len(req.Question) != 1 || req.Question[0].Qtype != dns.TypeSOA {
		return dns.RcodeFormatError
	}
	if zq := req.Question[0]; zq.Qclass != dns.ClassINET || dns.CanonicalName(zq.Name) != z.origin {
		return dns.RcodeNotAuth
	}
	if len(req.Answer) > 0 {
		return dns.RcodeNotImplemented // prerequisites
	}
	key, _ := s.provider.entry(keyName)
	for _, rr := range req.Ns {
		if rc := z.prescan(rr); rc != dns.RcodeSuccess {
			return rc
		}
		if !key.permits(rr) {
			return dns.RcodeRefused // a limited key, outside its names or types
		}
	}
	err := z.change(false, func(w *writer) error {
		for _, rr := range req.Ns {
			h := rr.Header()
			switch h.Class {
			case dns.ClassINET:
				if err := w.add(rr); err != nil {
					return err
				}
			case dns.ClassANY:
				w.deleteRRset(h.Name, h.Rrtype)
			case dns.ClassNONE:
				w.deleteRR(rr)
			}
		}
		return nil
	})
	switch {
	case err == nil:
		return dns.RcodeSuccess
	case errors.Is(err, ErrPersist):
		return dns.RcodeServerFailure
	default:
		return dns.RcodeRefused
	}
}

// prescan checks one update RR, RFC 2136 §3.4.1.3, plus our policy: only
// user record types, only in the zone.
func (z *Zone) prescan(rr dns.RR) int {
	h := rr.Header()
	if !dns.IsSubDomain(z.origin, dns.CanonicalName(h.Name)) {
		return dns.RcodeNotZone
	}
	switch h.Class {
	case dns.ClassINET:
		if err := checkRR(rr, z.origin); err != nil {
			if isMeta(h.Rrtype) {
				return dns.RcodeFormatError
			}
			return dns.RcodeRefused
		}
	case dns.ClassANY:
		if h.Ttl != 0 || h.Rdlength != 0 || (isMeta(h.Rrtype) && h.Rrtype != dns.TypeANY) {
			return dns.RcodeFormatError
		}
	case dns.ClassNONE:
		if h.Ttl != 0 || isMeta(h.Rrtype) {
			return dns.RcodeFormatError
		}
	default:
		return dns.RcodeFormatError
	}
	return dns.RcodeSuccess
}

// isMeta reports the query-only types that never name a stored RRset.
func isMeta(t uint16) bool {
	switch t {
	case dns.TypeANY, dns.TypeAXFR, dns.TypeIXFR, dns.TypeMAILA, dns.TypeMAILB, dns.TypeOPT, dns.TypeTSIG:
		return true
	}
	return false
}
