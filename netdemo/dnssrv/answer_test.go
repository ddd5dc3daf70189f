package dnssrv

import (
	"fmt"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// testRecords is a small zone: a service with two targets, a CNAME chain,
// a name with only TXT, and an empty non-terminal (_tcp.localca.test.).
var testRecords = []string{
	"_echo._tcp.localca.test. 60 IN SRV 10 5 7000 a.localca.test.",
	"_echo._tcp.localca.test. 60 IN SRV 20 5 7000 b.localca.test.",
	"a.localca.test. 60 IN A 127.0.0.1",
	"a.localca.test. 60 IN AAAA ::1",
	"b.localca.test. 60 IN A 127.0.0.2",
	"alias.localca.test. 60 IN CNAME www.localca.test.",
	"www.localca.test. 60 IN CNAME a.localca.test.",
	"ext.localca.test. 60 IN CNAME example.com.",
	"txt.localca.test. 60 IN TXT \"hello\"",
}

// ask runs one query through ServeDNS with a fake writer.
func ask(t *testing.T, s *Server, name string, qtype uint16, tcp bool, edns int) *dns.Msg {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(name, qtype)
	if edns > 0 {
		q.SetEdns0(uint16(edns), false)
	}
	w := &fakeWriter{tcp: tcp}
	s.ServeDNS(w, q)
	if len(w.out) != 1 {
		t.Fatalf("%d replies, want 1", len(w.out))
	}
	r := new(dns.Msg)
	if err := r.Unpack(w.out[0]); err != nil {
		t.Fatalf("reply does not unpack: %v", err)
	}
	if r.Id != q.Id || !r.Response {
		t.Errorf("reply id %d response %v, want id %d and QR", r.Id, r.Response, q.Id)
	}
	return r
}

func types(rrs []dns.RR) string {
	var s []string
	for _, rr := range rrs {
		if rr.Header().Rrtype != dns.TypeOPT {
			s = append(s, dns.TypeToString[rr.Header().Rrtype])
		}
	}
	return strings.Join(s, ",")
}

func TestAnswers(t *testing.T) {
	s := &Server{Zone: mustZone(t, testRecords...)}
	tests := []struct {
		name   string
		qtype  uint16
		rcode  int
		aa     bool
		answer string // types in the answer section
		ns     string
		extra  string
	}{
		{"_echo._tcp.localca.test.", dns.TypeSRV, dns.RcodeSuccess, true, "SRV,SRV", "", "A,AAAA,A"},
		{"_ECHO._TCP.LOCALCA.TEST.", dns.TypeSRV, dns.RcodeSuccess, true, "SRV,SRV", "", "A,AAAA,A"},
		{"a.localca.test.", dns.TypeA, dns.RcodeSuccess, true, "A", "", ""},
		{"a.localca.test.", dns.TypeAAAA, dns.RcodeSuccess, true, "AAAA", "", ""},
		{"a.localca.test.", dns.TypeTXT, dns.RcodeSuccess, true, "", "SOA", ""},    // NODATA
		{"_tcp.localca.test.", dns.TypeA, dns.RcodeSuccess, true, "", "SOA", ""},   // empty non-terminal
		{"nope.localca.test.", dns.TypeA, dns.RcodeNameError, true, "", "SOA", ""}, // NXDOMAIN
		{"alias.localca.test.", dns.TypeA, dns.RcodeSuccess, true, "CNAME,CNAME,A", "", ""},
		{"alias.localca.test.", dns.TypeCNAME, dns.RcodeSuccess, true, "CNAME", "", ""},
		{"ext.localca.test.", dns.TypeA, dns.RcodeSuccess, true, "CNAME", "", ""},
		{"txt.localca.test.", dns.TypeTXT, dns.RcodeSuccess, true, "TXT", "", ""},
		{"localca.test.", dns.TypeSOA, dns.RcodeSuccess, true, "SOA", "", ""},
		{"localca.test.", dns.TypeNS, dns.RcodeSuccess, true, "NS", "", "A"},
		{"ns.localca.test.", dns.TypeA, dns.RcodeSuccess, true, "A", "", ""},
		{"example.com.", dns.TypeA, dns.RcodeRefused, false, "", "", ""},
		{"test.", dns.TypeSOA, dns.RcodeRefused, false, "", "", ""},
		{"localca.test.", dns.TypeAXFR, dns.RcodeRefused, false, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.name, dns.TypeToString[tt.qtype]), func(t *testing.T) {
			r := ask(t, s, tt.name, tt.qtype, false, 0)
			if r.Rcode != tt.rcode || r.Authoritative != tt.aa || r.RecursionAvailable {
				t.Errorf("rcode %s AA %v RA %v, want %s AA %v RA false", dns.RcodeToString[r.Rcode], r.Authoritative, r.RecursionAvailable, dns.RcodeToString[tt.rcode], tt.aa)
			}
			if got := types(r.Answer); got != tt.answer {
				t.Errorf("answer %q, want %q", got, tt.answer)
			}
			if got := types(r.Ns); got != tt.ns {
				t.Errorf("authority %q, want %q", got, tt.ns)
			}
			if got := types(r.Extra); got != tt.extra {
				t.Errorf("additional %q, want %q", got, tt.extra)
			}
			if r.Question[0].Name != tt.name {
				t.Errorf("question %q, want it echoed as %q", r.Question[0].Name, tt.name)
			}
		})
	}
}

func TestAnswersFollowChanges(t *testing.T) {
	z := mustZone(t, testRecords...)
	s := &Server{Zone: z}
	serial := func() uint32 {
		return ask(t, s, "localca.test.", dns.TypeSOA, false, 0).Answer[0].(*dns.SOA).Serial
	}
	before := serial()
	if r := ask(t, s, "new.localca.test.", dns.TypeA, false, 0); r.Rcode != dns.RcodeNameError {
		t.Fatalf("before add: %s", dns.RcodeToString[r.Rcode])
	}
	if err := z.Add(mustRR(t, "new.localca.test. 60 IN A 127.0.0.3")); err != nil {
		t.Fatal(err)
	}
	// The NXDOMAIN above was cached; the change must not serve it again.
	if r := ask(t, s, "new.localca.test.", dns.TypeA, false, 0); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Errorf("after add: %s %v", dns.RcodeToString[r.Rcode], r.Answer)
	}
	if after := serial(); after != before+1 {
		t.Errorf("serial %d -> %d, want +1", before, after)
	}
}

// bigZone has an RRset too large for 512 bytes.
func bigZone(t testing.TB, n int) *Zone {
	t.Helper()
	var recs []string
	for i := range n {
		recs = append(recs, fmt.Sprintf("big.localca.test. 60 IN TXT \"record %03d %s\"", i, strings.Repeat("x", 40)))
		recs = append(recs, fmt.Sprintf("_big._tcp.localca.test. 60 IN SRV 10 %d 7000 host%03d.localca.test.", i, i))
		recs = append(recs, fmt.Sprintf("host%03d.localca.test. 60 IN A 127.0.1.%d", i, i+1))
	}
	return mustZone(t, recs...)
}

func TestTruncation(t *testing.T) {
	s := &Server{Zone: bigZone(t, 40)}
	tests := []struct {
		name  string
		qtype uint16
		tcp   bool
		edns  int
		limit int
		tc    bool
	}{
		{"big.localca.test.", dns.TypeTXT, false, 0, 512, true},
		{"big.localca.test.", dns.TypeTXT, false, 1232, 1232, true},
		{"big.localca.test.", dns.TypeTXT, false, 100, 512, true},    // EDNS0 below 512 counts as 512
		{"big.localca.test.", dns.TypeTXT, false, 65000, 1232, true}, // capped at MaxUDPSize
		{"big.localca.test.", dns.TypeTXT, true, 0, dns.MaxMsgSize, false},
		{"_big._tcp.localca.test.", dns.TypeSRV, false, 0, 512, true},
		{"_big._tcp.localca.test.", dns.TypeSRV, true, 0, dns.MaxMsgSize, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/tcp=%v/edns=%d", dns.TypeToString[tt.qtype], tt.tcp, tt.edns), func(t *testing.T) {
			q := new(dns.Msg)
			q.SetQuestion(tt.name, tt.qtype)
			if tt.edns > 0 {
				q.SetEdns0(uint16(tt.edns), false)
			}
			w := &fakeWriter{tcp: tt.tcp}
			s.ServeDNS(w, q)
			if len(w.out[0]) > tt.limit {
				t.Errorf("reply of %d bytes, limit %d", len(w.out[0]), tt.limit)
			}
			r := new(dns.Msg)
			if err := r.Unpack(w.out[0]); err != nil {
				t.Fatal(err)
			}
			if r.Truncated != tt.tc {
				t.Errorf("TC = %v, want %v", r.Truncated, tt.tc)
			}
			if !tt.tc && len(r.Answer) != 40 {
				t.Errorf("%d answers, want all 40", len(r.Answer))
			}
			if tt.edns > 0 && r.IsEdns0() == nil {
				t.Error("EDNS0 query answered without OPT")
			}
		})
	}
}

// TestTruncationDropsAdditionalSilently: when only additional records do
// not fit, the answer is complete and TC stays clear (RFC 2181 §9).
func TestTruncationDropsAdditionalSilently(t *testing.T) {
	var recs []string
	for i := range 12 {
		recs = append(recs,
			fmt.Sprintf("_s._tcp.localca.test. 60 IN SRV 10 1 7000 h%02d.localca.test.", i),
			fmt.Sprintf("h%02d.localca.test. 60 IN AAAA 2001:db8::%d", i, i+1))
	}
	s := &Server{Zone: mustZone(t, recs...)}
	r := ask(t, s, "_s._tcp.localca.test.", dns.TypeSRV, false, 0)
	if r.Truncated || len(r.Answer) != 12 || len(r.Extra) >= 12 {
		t.Errorf("TC %v, %d answers, %d additional; want no TC, 12 answers, fewer additional", r.Truncated, len(r.Answer), len(r.Extra))
	}
}

func TestCachedAnswerEchoesQuery(t *testing.T) {
	s := &Server{Zone: mustZone(t, testRecords...)}
	first := ask(t, s, "a.localca.test.", dns.TypeA, false, 0)
	q := new(dns.Msg)
	q.SetQuestion("A.LocalCA.Test.", dns.TypeA)
	q.Id = first.Id + 1
	q.RecursionDesired = false
	q.CheckingDisabled = true
	w := &fakeWriter{}
	s.ServeDNS(w, q)
	r := new(dns.Msg)
	if err := r.Unpack(w.out[0]); err != nil {
		t.Fatal(err)
	}
	if r.Id != q.Id || r.RecursionDesired || !r.CheckingDisabled || r.Question[0].Name != "A.LocalCA.Test." {
		t.Errorf("cached reply id %d RD %v CD %v question %q; want the query's", r.Id, r.RecursionDesired, r.CheckingDisabled, r.Question[0].Name)
	}
	if len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "127.0.0.1" {
		t.Errorf("cached answer %v", r.Answer)
	}
}

func TestBadEDNSVersionAndOpcode(t *testing.T) {
	s := &Server{Zone: mustZone(t, testRecords...)}
	q := new(dns.Msg)
	q.SetQuestion("a.localca.test.", dns.TypeA)
	q.SetEdns0(1232, false)
	q.IsEdns0().SetVersion(1)
	w := &fakeWriter{}
	s.ServeDNS(w, q)
	r := new(dns.Msg)
	if err := r.Unpack(w.out[0]); err != nil {
		t.Fatal(err)
	}
	if r.Rcode != dns.RcodeBadVers {
		t.Errorf("EDNS version 1: rcode %s, want BADVERS", dns.RcodeToString[r.Rcode])
	}

	q = new(dns.Msg)
	q.SetQuestion("a.localca.test.", dns.TypeA)
	q.Opcode = dns.OpcodeStatus
	w = &fakeWriter{}
	s.ServeDNS(w, q)
	if err := r.Unpack(w.out[0]); err != nil {
		t.Fatal(err)
	}
	if r.Rcode != dns.RcodeNotImplemented {
		t.Errorf("STATUS opcode: rcode %s, want NOTIMP", dns.RcodeToString[r.Rcode])
	}
}
