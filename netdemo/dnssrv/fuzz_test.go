package dnssrv

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/miekg/dns"
)

// FuzzHandler feeds raw bytes to the handler the way dns.Server does
// (header filter acceptMsg, unpack, TSIG check, ServeDNS) through a fake
// ResponseWriter. It must not panic, every reply must unpack, and a UDP
// reply must fit the client's limit: 512 bytes, or its EDNS0 size capped
// at MaxUDPSize.
func FuzzHandler(f *testing.F) {
	key, err := NewTSIGKey("fuzz-key")
	if err != nil {
		f.Fatal(err)
	}
	s := &Server{Zone: bigZone(f, 30), Keys: []TSIGKey{key}}
	if err := s.Zone.Add(mustRR(f, "alias.localca.test. 60 IN CNAME big.localca.test.")); err != nil {
		f.Fatal(err)
	}
	if err := s.init(); err != nil {
		f.Fatal(err)
	}
	seed := func(build func(m *dns.Msg)) []byte {
		m := new(dns.Msg)
		build(m)
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add(seed(func(m *dns.Msg) { m.SetQuestion("_big._tcp.localca.test.", dns.TypeSRV) }), false)
	f.Add(seed(func(m *dns.Msg) { m.SetQuestion("big.localca.test.", dns.TypeTXT); m.SetEdns0(600, true) }), false)
	f.Add(seed(func(m *dns.Msg) { m.SetQuestion("alias.localca.test.", dns.TypeANY) }), false)
	f.Add(seed(func(m *dns.Msg) { m.SetQuestion("x.example.", dns.TypeA) }), true)
	f.Add(seed(func(m *dns.Msg) {
		m.SetUpdate("localca.test.")
		m.Insert([]dns.RR{mustRR(f, "n.localca.test. 60 IN A 127.0.0.1")})
		m.SetTsig("fuzz-key.", dns.HmacSHA256, 300, 0)
	}), false)
	f.Add([]byte{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63}, false)

	f.Fuzz(func(t *testing.T, data []byte, tcp bool) {
		if len(data) < 12 {
			return // dns.Server drops these
		}
		dh := dns.Header{
			Id:      binary.BigEndian.Uint16(data[0:]),
			Bits:    binary.BigEndian.Uint16(data[2:]),
			Qdcount: binary.BigEndian.Uint16(data[4:]),
			Ancount: binary.BigEndian.Uint16(data[6:]),
			Nscount: binary.BigEndian.Uint16(data[8:]),
			Arcount: binary.BigEndian.Uint16(data[10:]),
		}
		if acceptMsg(dh) != dns.MsgAccept {
			return // dns.Server answers FORMERR/NOTIMP with the header alone
		}
		req := new(dns.Msg)
		if err := req.Unpack(data); err != nil {
			return
		}
		w := &fakeWriter{tcp: tcp}
		if req.IsTsig() != nil {
			// miekg's verification decrements the ARCOUNT of the buffer it
			// is given (stripTsig): a copy keeps the fuzzer's input as it
			// was, so that a failure it records is the input that failed.
			w.tsigStatus = dns.TsigVerifyWithProvider(bytes.Clone(data), s.provider, "", false)
		}
		s.ServeDNS(w, req)
		if len(w.out) != 1 {
			t.Fatalf("%d replies, want 1", len(w.out))
		}
		limit := dns.MaxMsgSize
		if !tcp {
			limit = s.sizeLimit(false, req.IsEdns0())
		}
		if len(w.out[0]) > limit {
			t.Fatalf("reply of %d bytes over a limit of %d", len(w.out[0]), limit)
		}
		reply := new(dns.Msg)
		if err := reply.Unpack(w.out[0]); err != nil {
			t.Fatalf("reply does not unpack: %v", err)
		}
		if reply.Id != req.Id || !reply.Response {
			t.Fatalf("reply id %d QR %v for query id %d", reply.Id, reply.Response, req.Id)
		}
	})
}
