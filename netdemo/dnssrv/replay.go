package dnssrv

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// A signed UPDATE stays valid for TSIG's fudge window (300 s either side of
// its signing time), so a captured one could be sent again: add, delete,
// resend the add, and the record is back. The server remembers the MAC of
// every update it answered for twice the window and answers a repeat with
// the original answer, changing nothing. nsupdate resends after a lost
// reply, and gets the answer it missed.

// ReplayWindow is how long an answered update's MAC is remembered: twice
// the fudge, so that a message signed at the edge of the window on a
// client whose clock runs ahead is still caught.
const ReplayWindow = 2 * tsigFudge * time.Second

// tsigFudge is the fudge, in seconds, the server signs with and nsupdate
// and dig use.
const tsigFudge = 300

// ReplayGuard remembers the MACs of answered updates. Claim marks mac as
// being answered; when it was claimed within the window it returns the
// rcode first answered instead (pending: -1) and replay true. Answered
// records the rcode of a claimed mac. A guard kept in the CA's store is
// seen by every server of the zone.
type ReplayGuard interface {
	Claim(mac []byte, now time.Time) (rcode int, replay bool, err error)
	Answered(mac []byte, rcode int) error
}

// memoryGuard is the ReplayGuard of a Server given none: one process.
type memoryGuard struct {
	mu   sync.Mutex
	seen map[string]memorySeen
}

type memorySeen struct {
	until time.Time
	rcode int
}

func (g *memoryGuard) Claim(mac []byte, now time.Time) (int, bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.seen == nil {
		g.seen = map[string]memorySeen{}
	}
	for k, v := range g.seen {
		if now.After(v.until) {
			delete(g.seen, k)
		}
	}
	if v, ok := g.seen[string(mac)]; ok {
		return v.rcode, true, nil
	}
	g.seen[string(mac)] = memorySeen{until: now.Add(ReplayWindow), rcode: -1}
	return 0, false, nil
}

func (g *memoryGuard) Answered(mac []byte, rcode int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if v, ok := g.seen[string(mac)]; ok {
		v.rcode = rcode
		g.seen[string(mac)] = v
	}
	return nil
}

// writeTSIGError answers an update whose signature failed with NOTAUTH and
// the TSIG error that says why (RFC 8945 §5.2): BADKEY and BADSIG unsigned
// (§5.3.2: the server cannot or must not sign with that key), BADTIME signed
// with the server's clock in Other Data, so that nsupdate and dig report
// the real reason.
func (s *Server) writeTSIGError(w dns.ResponseWriter, req *dns.Msg, t *dns.TSIG, status error) {
	reply := new(dns.Msg)
	if !dns.IsFqdn(t.Algorithm) {
		// A TSIG whose RDATA is empty names no algorithm, and the error TSIG
		// of RFC 8945 §5.3.2 must repeat it: with an empty name it would pack
		// one byte short and no client could read the reply. The request is
		// malformed: FORMERR, unsigned.
		reply.SetRcode(req, dns.RcodeFormatError)
		s.write(w, req, reply)
		return
	}
	reply.SetRcode(req, dns.RcodeNotAuth)
	code := uint16(dns.RcodeBadSig)
	switch {
	case errors.Is(status, dns.ErrSecret), errors.Is(status, dns.ErrKeyAlg):
		code = dns.RcodeBadKey
	case errors.Is(status, dns.ErrTime):
		code = dns.RcodeBadTime
	}
	rr := &dns.TSIG{Hdr: dns.RR_Header{Name: t.Hdr.Name, Rrtype: dns.TypeTSIG, Class: dns.ClassANY},
		Algorithm: t.Algorithm, TimeSigned: t.TimeSigned, Fudge: t.Fudge, OrigId: req.Id, Error: code}
	if code == dns.RcodeBadTime {
		var now [8]byte
		binary.BigEndian.PutUint64(now[:], uint64(s.now().Unix()))
		rr.OtherLen, rr.OtherData = 6, hex.EncodeToString(now[2:])
		reply.Extra = append(reply.Extra, rr)
		_ = w.WriteMsg(reply) // signed by the provider: the key is good
		return
	}
	reply.Extra = append(reply.Extra, rr)
	if out, err := reply.Pack(); err == nil {
		_, _ = w.Write(out)
	}
}
