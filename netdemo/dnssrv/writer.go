package dnssrv

import (
	"fmt"

	"github.com/miekg/dns"
)

// writer edits a private copy of a zone's user records; Zone.change
// persists and publishes the result. In strict mode (Add, Remove, NewZone)
// a conflict is an error; in lenient mode (DNS UPDATE) it is silently
// ignored, as RFC 2136 §3.4.2.2 asks.
type writer struct {
	z      *Zone
	set    rrsets
	strict bool
}

// add inserts rr, replacing an identical record with another TTL and, in
// lenient mode, an existing CNAME.
func (w *writer) add(rr dns.RR) error {
	if err := checkRR(rr, w.z.origin); err != nil {
		return err
	}
	rr = dns.Copy(rr)
	h := rr.Header()
	h.Name = dns.CanonicalName(h.Name)
	h.Rdlength = 0
	byType := w.set[h.Name]
	if byType == nil {
		byType = map[uint16][]dns.RR{}
		w.set[h.Name] = byType
	}
	cnames := byType[dns.TypeCNAME]
	switch {
	case h.Rrtype == dns.TypeCNAME && len(byType) > len(cnamesOnly(cnames)):
		return w.conflict(fmt.Errorf("%w: %s already has other records", ErrCNAMEConflict, h.Name))
	case h.Rrtype == dns.TypeCNAME && len(cnames) > 0 && !dns.IsDuplicate(cnames[0], rr):
		if w.strict {
			return fmt.Errorf("%w: %s already is a CNAME for %s", ErrCNAMEConflict, h.Name, cnames[0].(*dns.CNAME).Target)
		}
		byType[dns.TypeCNAME] = []dns.RR{rr}
		return nil
	case h.Rrtype != dns.TypeCNAME && len(cnames) > 0:
		return w.conflict(fmt.Errorf("%w: %s is a CNAME", ErrCNAMEConflict, h.Name))
	}
	for i, x := range byType[h.Rrtype] {
		if dns.IsDuplicate(x, rr) {
			byType[h.Rrtype][i] = rr
			return nil
		}
	}
	byType[h.Rrtype] = append(byType[h.Rrtype], rr)
	return nil
}

// cnamesOnly returns a one-entry map when the name holds a CNAME, so that
// len(byType) > len(cnamesOnly(...)) means "there is data besides it".
func cnamesOnly(cnames []dns.RR) map[uint16]bool {
	if len(cnames) == 0 {
		return nil
	}
	return map[uint16]bool{dns.TypeCNAME: true}
}

func (w *writer) conflict(err error) error {
	if w.strict {
		return err
	}
	return nil
}

// deleteRR removes the record equal to rr in name, type and data (class and
// TTL are ignored, so an UPDATE's class NONE record matches). It reports
// whether a record was removed.
func (w *writer) deleteRR(rr dns.RR) bool {
	rr = dns.Copy(rr)
	h := rr.Header()
	h.Name = dns.CanonicalName(h.Name)
	h.Class = dns.ClassINET
	byType := w.set[h.Name]
	for i, x := range byType[h.Rrtype] {
		if dns.IsDuplicate(x, rr) {
			byType[h.Rrtype] = append(byType[h.Rrtype][:i:i], byType[h.Rrtype][i+1:]...)
			w.prune(h.Name, h.Rrtype)
			return true
		}
	}
	return false
}

// deleteRRset removes every record of one type at name (TypeANY: every
// record at name).
func (w *writer) deleteRRset(name string, t uint16) {
	name = dns.CanonicalName(name)
	if t == dns.TypeANY {
		delete(w.set, name)
		return
	}
	if byType := w.set[name]; byType != nil {
		delete(byType, t)
		w.prune(name, t)
	}
}

// prune drops empty RRsets and names.
func (w *writer) prune(name string, t uint16) {
	byType := w.set[name]
	if byType == nil {
		return
	}
	if len(byType[t]) == 0 {
		delete(byType, t)
	}
	if len(byType) == 0 {
		delete(w.set, name)
	}
}
