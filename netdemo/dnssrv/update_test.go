package dnssrv

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// sendUpdate sends an UPDATE for localca.test. signed with key (unsigned
// when key.Name is empty) over TCP and returns the reply.
func sendUpdate(t *testing.T, addr string, key TSIGKey, build func(m *dns.Msg)) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetUpdate("localca.test.")
	build(m)
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second}
	if key.Name != "" {
		m.SetTsig(dns.CanonicalName(key.Name), dns.HmacSHA256, 300, time.Now().Unix())
		c.TsigSecret = map[string]string{dns.CanonicalName(key.Name): key.Secret}
	}
	in, _, err := c.Exchange(m, addr)
	// A refusal's TSIG carries the error and, for BADSIG and BADKEY, no
	// MAC: the client reports it as such.
	if err != nil && !(errors.Is(err, dns.ErrSecret) || errors.Is(err, dns.ErrSig) || errors.Is(err, dns.ErrAuth)) {
		t.Fatalf("update: %v", err)
	}
	if in == nil {
		t.Fatalf("update: no reply (%v)", err)
	}
	return in
}

func TestUpdate(t *testing.T) {
	key, err := NewTSIGKey("localca-update")
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewTSIGKey("localca-update")
	if err != nil {
		t.Fatal(err)
	}
	var persisted []dns.RR
	failPersist := false
	z, err := NewZone(ZoneConfig{Persist: func(added, removed []dns.RR) error {
		if failPersist {
			return errors.New("store closed")
		}
		persisted = append(persisted, added...)
		return nil
	}, Records: []dns.RR{
		mustRR(t, "old.localca.test. 60 IN A 127.0.0.5"),
		mustRR(t, "old.localca.test. 60 IN TXT \"x\""),
		mustRR(t, "multi.localca.test. 60 IN A 127.0.0.6"),
		mustRR(t, "multi.localca.test. 60 IN A 127.0.0.7"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, &Server{Zone: z, Keys: []TSIGKey{key}})
	rr := func(s string) dns.RR { return mustRR(t, s) }

	tests := []struct {
		name  string
		key   TSIGKey
		build func(m *dns.Msg)
		rcode int
		check func(t *testing.T)
	}{
		{"unsigned", TSIGKey{}, func(m *dns.Msg) { m.Insert([]dns.RR{rr("u.localca.test. 60 IN A 127.0.0.1")}) }, dns.RcodeRefused, nil},
		{"wrong secret", other, func(m *dns.Msg) { m.Insert([]dns.RR{rr("u.localca.test. 60 IN A 127.0.0.1")}) }, dns.RcodeNotAuth, nil},
		{"unknown key", TSIGKey{Name: "stranger.", Secret: key.Secret}, func(m *dns.Msg) { m.Insert([]dns.RR{rr("u.localca.test. 60 IN A 127.0.0.1")}) }, dns.RcodeNotAuth, nil},
		{"add", key, func(m *dns.Msg) {
			m.Insert([]dns.RR{rr("_svc._tcp.localca.test. 60 IN SRV 1 1 7000 new.localca.test."), rr("new.localca.test. 60 IN A 127.0.0.9")})
		}, dns.RcodeSuccess, func(t *testing.T) {
			if r := exchange(t, ts.addr, "udp", question("_svc._tcp.localca.test.", dns.TypeSRV)); len(r.Answer) != 1 || len(r.Extra) != 1 {
				t.Errorf("added SRV not served with its A: %v", r)
			}
			if len(persisted) != 2 {
				t.Errorf("persisted %v, want the two added records", persisted)
			}
		}},
		{"out of zone", key, func(m *dns.Msg) { m.Insert([]dns.RR{rr("x.example.com. 60 IN A 127.0.0.1")}) }, dns.RcodeNotZone, nil},
		{"type not allowed", key, func(m *dns.Msg) { m.Insert([]dns.RR{rr("x.localca.test. 60 IN MX 10 mx.localca.test.")}) }, dns.RcodeRefused, nil},
		{"prerequisite", key, func(m *dns.Msg) { m.NameUsed([]dns.RR{rr("old.localca.test. 0 IN A 0.0.0.0")}) }, dns.RcodeNotImplemented, nil},
		{"delete RR", key, func(m *dns.Msg) { m.Remove([]dns.RR{rr("multi.localca.test. 60 IN A 127.0.0.6")}) }, dns.RcodeSuccess, func(t *testing.T) {
			if r := exchange(t, ts.addr, "udp", question("multi.localca.test.", dns.TypeA)); len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "127.0.0.7" {
				t.Errorf("after delete RR: %v", r.Answer)
			}
		}},
		{"delete RRset", key, func(m *dns.Msg) { m.RemoveRRset([]dns.RR{rr("old.localca.test. 0 IN TXT \"\"")}) }, dns.RcodeSuccess, func(t *testing.T) {
			if r := exchange(t, ts.addr, "udp", question("old.localca.test.", dns.TypeTXT)); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
				t.Errorf("after delete RRset: %s %v, want NODATA", dns.RcodeToString[r.Rcode], r.Answer)
			}
		}},
		{"delete name", key, func(m *dns.Msg) { m.RemoveName([]dns.RR{rr("old.localca.test. 0 IN A 0.0.0.0")}) }, dns.RcodeSuccess, func(t *testing.T) {
			if r := exchange(t, ts.addr, "udp", question("old.localca.test.", dns.TypeA)); r.Rcode != dns.RcodeNameError {
				t.Errorf("after delete name: %s, want NXDOMAIN", dns.RcodeToString[r.Rcode])
			}
		}},
		{"persist fails", key, func(m *dns.Msg) {
			failPersist = true
			m.Insert([]dns.RR{rr("lost.localca.test. 60 IN A 127.0.0.1")})
		}, dns.RcodeServerFailure, func(t *testing.T) {
			failPersist = false
			if r := exchange(t, ts.addr, "udp", question("lost.localca.test.", dns.TypeA)); r.Rcode != dns.RcodeNameError {
				t.Errorf("record applied although persisting failed: %s", dns.RcodeToString[r.Rcode])
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sendUpdate(t, ts.addr, tt.key, tt.build)
			if r.Rcode != tt.rcode {
				t.Fatalf("rcode %s, want %s", dns.RcodeToString[r.Rcode], dns.RcodeToString[tt.rcode])
			}
			if want, ok := map[string]uint16{"wrong secret": dns.RcodeBadSig, "unknown key": dns.RcodeBadKey}[tt.name]; ok {
				if ts := r.IsTsig(); ts == nil || ts.Error != want || ts.MAC != "" {
					t.Errorf("TSIG of the refusal %v, want error %s and no MAC", ts, dns.RcodeToString[int(want)])
				}
			}
			if tt.rcode != dns.RcodeNotAuth && tt.rcode != dns.RcodeRefused && tt.key.Name != "" && r.IsTsig() == nil {
				t.Error("answer to a signed update is not signed")
			}
			if tt.check != nil {
				tt.check(t)
			}
		})
	}
}

func question(name string, qtype uint16) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	return m
}

func TestNewTSIGKey(t *testing.T) {
	a, err := NewTSIGKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewTSIGKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	if a.Secret == b.Secret || a.Name != "k1." {
		t.Errorf("keys %+v and %+v: want name k1. and distinct secrets", a, b)
	}
	if want := "hmac-sha256:k1:" + a.Secret; a.NsupdateArg() != want {
		t.Errorf("NsupdateArg = %q, want %q", a.NsupdateArg(), want)
	}
	if _, err := NewTSIGKey(""); !errors.Is(err, ErrTSIGKey) {
		t.Errorf("empty name: %v", err)
	}
	if _, err := newTSIGProvider([]TSIGKey{{Name: "k.", Secret: "not base64!"}}); !errors.Is(err, ErrTSIGKey) {
		t.Errorf("bad secret: %v", err)
	}
}

// TestTSIGWithoutRdata sends, over UDP, a query and an UPDATE whose TSIG
// record has an empty RDATA (no algorithm, no MAC), as a fuzzer found: the
// answer must be a FORMERR that unpacks, not an error TSIG one byte short.
func TestTSIGWithoutRdata(t *testing.T) {
	key, err := NewTSIGKey("localca-update")
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, &Server{Zone: bigZone(t, 1), Keys: []TSIGKey{key}})
	for _, tt := range []struct {
		name  string
		build func(m *dns.Msg)
	}{
		{"query", func(m *dns.Msg) { m.SetQuestion("big.localca.test.", dns.TypeA) }},
		{"update", func(m *dns.Msg) {
			m.SetUpdate("localca.test.")
			m.Insert([]dns.RR{mustRR(t, "u.localca.test. 60 IN A 127.0.0.1")})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := new(dns.Msg)
			tt.build(m)
			m.Id = 4242
			packed, err := m.Pack()
			if err != nil {
				t.Fatal(err)
			}
			// One more additional record: localca-update. TSIG, class ANY,
			// TTL 0, RDLENGTH 0.
			packed[11]++
			packed = append(packed, "\x0elocalca-update\x00\x00\xfa\x00\xff\x00\x00\x00\x00\x00\x00"...)
			conn, err := net.Dial("udp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := conn.Write(packed); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 65535)
			n, err := conn.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			r := new(dns.Msg)
			if err := r.Unpack(buf[:n]); err != nil {
				t.Fatalf("reply does not unpack: %v (% x)", err, buf[:n])
			}
			if r.Id != m.Id || r.Rcode != dns.RcodeFormatError || r.IsTsig() != nil {
				t.Errorf("reply id %d, %s, TSIG %v; want id %d, FORMERR, no TSIG", r.Id, dns.RcodeToString[r.Rcode], r.IsTsig(), m.Id)
			}
		})
	}
}
