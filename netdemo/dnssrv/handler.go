package dnssrv

import (
	"time"

	"github.com/miekg/dns"
)

// ServeDNS implements dns.Handler: it answers queries from the zone and
// applies signed UPDATEs. It never panics on what a client sends and never
// writes a UDP answer larger than the client may receive.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if err := s.init(); err != nil {
		// Misconfigured: answer SERVFAIL rather than crash.
		reply := new(dns.Msg)
		reply.SetRcode(req, dns.RcodeServerFailure)
		_ = w.WriteMsg(reply)
		return
	}
	switch req.Opcode {
	case dns.OpcodeQuery:
		s.serveQuery(w, req)
	case dns.OpcodeUpdate:
		s.serveUpdate(w, req)
	default:
		reply := new(dns.Msg)
		reply.SetRcode(req, dns.RcodeNotImplemented)
		s.write(w, req, reply)
	}
}

// serveQuery answers one question, from the packed-answer cache when it can.
func (s *Server) serveQuery(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		reply := new(dns.Msg)
		reply.SetRcode(req, dns.RcodeFormatError)
		s.write(w, req, reply)
		return
	}
	tcp := isTCP(w)
	opt := req.IsEdns0()
	if opt != nil && opt.Version() != 0 {
		// RFC 6891 §6.1.3: only version 0 exists.
		reply := new(dns.Msg)
		reply.SetRcode(req, dns.RcodeBadVers)
		reply.SetEdns0(uint16(s.maxUDP()), false)
		s.write(w, req, reply)
		return
	}
	signed := req.IsTsig() != nil
	if signed && w.TsigStatus() != nil {
		s.writeTSIGError(w, req, req.IsTsig(), w.TsigStatus())
		return
	}

	q := req.Question[0]
	snap := s.Zone.snap.Load()
	key := cacheKey{name: canonical(q.Name), qtype: q.Qtype, qclass: q.Qclass, limit: s.sizeLimit(tcp, opt), edns: opt != nil, do: opt != nil && opt.Do()}
	if !signed {
		if cached := snap.cache.get(key); cached != nil {
			if out := fromCache(cached, req); out != nil {
				_, _ = w.Write(out)
				return
			}
		}
	}

	reply := new(dns.Msg)
	reply.SetReply(req)
	s.Zone.answer(snap, q, reply)
	if opt != nil {
		reply.SetEdns0(uint16(s.maxUDP()), opt.Do())
	}
	if signed {
		// Signed queries (dig -y) get a signed, uncached answer.
		t := req.IsTsig()
		reply.SetTsig(t.Hdr.Name, t.Algorithm, 300, s.now().Unix())
		_ = w.WriteMsg(s.fit(reply, key.limit))
		return
	}
	out, err := s.fit(reply, key.limit).Pack()
	if err != nil {
		reply = new(dns.Msg)
		reply.SetRcode(req, dns.RcodeServerFailure)
		s.write(w, req, reply)
		return
	}
	snap.cache.put(key, out, q.Name)
	_, _ = w.Write(out)
}

// sizeLimit is the largest answer this client may get: 512 bytes over UDP
// without EDNS0, its advertised size (at least 512, at most MaxUDPSize)
// with it, and 0 (no limit but the 64 KiB of a TCP message) over TCP.
func (s *Server) sizeLimit(tcp bool, opt *dns.OPT) int {
	switch {
	case tcp:
		return 0
	case opt == nil:
		return dns.MinMsgSize
	default:
		return min(max(int(opt.UDPSize()), dns.MinMsgSize), s.maxUDP())
	}
}

// fit truncates reply to limit bytes (0: TCP, only the 64 KiB ceiling).
// Following RFC 2181 §9, TC is set only when the answer or authority
// section lost records; dropping additional records is silent.
func (s *Server) fit(reply *dns.Msg, limit int) *dns.Msg {
	if limit == 0 {
		limit = dns.MaxMsgSize
	}
	if t := reply.IsTsig(); t != nil {
		// miekg does not truncate signed messages: make room for the
		// signature ourselves.
		limit -= tsigRoom(t)
		extra := reply.Extra
		reply.Extra = reply.Extra[:len(reply.Extra)-1]
		defer func() { reply.Extra = append(reply.Extra, extra[len(extra)-1]) }()
	}
	answers, authority := len(reply.Answer), len(reply.Ns)
	reply.Truncate(limit)
	reply.Truncated = len(reply.Answer) < answers || len(reply.Ns) < authority
	reply.Compress = true
	return reply
}

// tsigRoom is the most a TSIG record with t's names can take: names, fixed
// fields, a SHA-512-sized MAC and six bytes of other data (BADTIME).
func tsigRoom(t *dns.TSIG) int {
	return len(t.Hdr.Name) + 2 + 10 + len(t.Algorithm) + 2 + 6 + 2 + 2 + 64 + 2 + 2 + 2 + 6
}

// write sends a small reply (an error code), fitted to the client's limit.
func (s *Server) write(w dns.ResponseWriter, req *dns.Msg, reply *dns.Msg) {
	limit := s.sizeLimit(isTCP(w), req.IsEdns0())
	_ = w.WriteMsg(s.fit(reply, limit))
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
