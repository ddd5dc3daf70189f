package dnssrv

import (
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// An update signed outside the fudge window is refused with BADTIME, in an
// answer signed with the key and carrying the server's clock; one sent
// twice is answered twice with the first answer, and applied once.
func TestUpdateBadTimeAndReplay(t *testing.T) {
	key, err := NewTSIGKey("localca-update")
	if err != nil {
		t.Fatal(err)
	}
	var applied atomic.Int64 // Persist runs on the server's goroutine
	z, err := NewZone(ZoneConfig{Persist: func(added, removed []dns.RR) error { applied.Add(int64(len(added))); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, &Server{Zone: z, Keys: []TSIGKey{key}})
	c := &dns.Client{Net: "tcp", Timeout: 5 * time.Second, TsigSecret: map[string]string{key.Name: key.Secret}}

	old := new(dns.Msg)
	old.SetUpdate("localca.test.")
	old.Insert([]dns.RR{mustRR(t, "late.localca.test. 60 IN A 127.0.0.1")})
	old.SetTsig(key.Name, dns.HmacSHA256, 300, time.Now().Add(-time.Hour).Unix())
	r, _, err := c.Exchange(old, ts.addr)
	if r == nil {
		t.Fatalf("no answer: %v", err)
	}
	if tsig := r.IsTsig(); r.Rcode != dns.RcodeNotAuth || tsig == nil || tsig.Error != dns.RcodeBadTime || tsig.MAC == "" || tsig.OtherLen != 6 {
		t.Errorf("a stale update: %s %v, want NOTAUTH with a signed BADTIME carrying the server's time", dns.RcodeToString[r.Rcode], tsig)
	}

	m := new(dns.Msg)
	m.SetUpdate("localca.test.")
	m.Insert([]dns.RR{mustRR(t, "once.localca.test. 60 IN A 127.0.0.1")})
	m.SetTsig(key.Name, dns.HmacSHA256, 300, time.Now().Unix())
	wire, _, err := dns.TsigGenerate(m, key.Secret, "", false)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		conn, err := net.Dial("udp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := conn.Write(wire); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4096)
		n, err := conn.Read(buf)
		conn.Close()
		r := new(dns.Msg)
		if err == nil {
			err = r.Unpack(buf[:n])
		}
		if err != nil || r.Rcode != dns.RcodeSuccess {
			t.Fatalf("send %d: %v %v", i+1, err, r)
		}
	}
	if n := applied.Load(); n != 1 {
		t.Errorf("the update was applied %d times, want once", n)
	}
}
