package main

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/localca/localca/internal/testkit"
)

// sendRaw sends one DNS message as it is over UDP and returns the answer.
func sendRaw(t *testing.T, addr string, wire []byte) *dns.Msg {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(wire); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no answer from %s: %v", addr, err)
	}
	m := new(dns.Msg)
	if err := m.Unpack(buf[:n]); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDNSUpdateReplay is issue 14's attack: a captured signed update
// (add), then a delete with nsupdate, then the captured add sent again
// within TSIG's window, to the same server and to another of the same
// store. The repeat gets the original answer and changes nothing.
func TestDNSUpdateReplay(t *testing.T) {
	testkit.NeedTool(t, "nsupdate")
	h := newHome(t)
	key := strings.TrimSpace(h.ok("dns", "key")) // hmac-sha256:NAME:SECRET
	parts := strings.SplitN(key, ":", 3)
	name, secret := dns.Fqdn(parts[1]), parts[2]
	a, addrA := h.serve("dns", "serve", "--addr", "127.0.0.1:0", "--sync", "100ms")
	defer a.stop(t)
	b, addrB := h.serve("dns", "serve", "--addr", "127.0.0.1:0", "--sync", "100ms")
	defer b.stop(t)

	m := new(dns.Msg)
	m.SetUpdate("localca.test.")
	m.Insert([]dns.RR{mustParseRR(t, "replay.localca.test. 60 IN A 127.0.0.42")})
	m.SetTsig(name, dns.HmacSHA256, 300, time.Now().Unix())
	wire, _, err := dns.TsigGenerate(m, secret, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if r := sendRaw(t, addrA, wire); r.Rcode != dns.RcodeSuccess {
		t.Fatalf("the first add: %s", dns.RcodeToString[r.Rcode])
	}
	digShortEventually(t, portOf(t, addrB), "replay.localca.test", "A", "127.0.0.42")
	if r := nsupdate(t, portOf(t, addrA), "update delete replay.localca.test. A", "-y", key); r.code != 0 {
		t.Fatalf("nsupdate delete: %s", r)
	}
	digShortEventually(t, portOf(t, addrB), "replay.localca.test", "A", "")

	for _, addr := range []string{addrB, addrA} {
		if r := sendRaw(t, addr, wire); r.Rcode != dns.RcodeSuccess {
			t.Errorf("the replay to %s: %s, want the original NOERROR", addr, dns.RcodeToString[r.Rcode])
		}
	}
	time.Sleep(500 * time.Millisecond) // past a few syncs
	for _, addr := range []string{addrA, addrB} {
		if got := strings.TrimSpace(dig(t, portOf(t, addr), "+short", "replay.localca.test", "A")); got != "" {
			t.Errorf("the replayed add is back on %s: %q", addr, got)
		}
	}
	if got := strings.Join(h.dnsList(), "\n"); strings.Contains(got, "replay.localca.test") {
		t.Errorf("the replayed add is in the store:\n%s", got)
	}
}

func mustParseRR(t *testing.T, s string) dns.RR {
	t.Helper()
	rr, err := dns.NewRR(s)
	if err != nil {
		t.Fatal(err)
	}
	return rr
}
