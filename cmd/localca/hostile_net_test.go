package main

// Hostile input over the network, against the real `localca serve` and
// `localca dns serve` processes: a huge HTTP body, and DNS packets that a
// server must not answer as queries or apply as updates. The header
// filters and their unit tests live in ca (server_test.go) and
// netdemo/dnssrv (server_test.go TestMalformedPackets, fuzz_test.go); these
// rows prove the wired-up binary refuses them and the store stays as it was.

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// TestHostileHTTPBody: POST /sign with a 10 MB body (and a real, unspent
// token) is answered 413, and one with a CSR asking for CA:TRUE 403; both
// store nothing and leave the token unspent: the same token then signs a
// real CSR.
func TestHostileHTTPBody(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	h.initCA()
	token := strings.TrimSpace(h.ok("token", "create", "--name", "hostile", "--allow", "body.test"))
	key := h.write("k.pem", mustKeyPEM(t))
	h.ok("csr", "create", "--key", key, "--cn", "body.test", "--out", h.path("body.csr"))
	srv, url := h.serve("serve", "--addr", "127.0.0.1:0")

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(h.read("root.pem"))
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	post := func(body []byte) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, url+"/sign", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("POST /sign with %d bytes: %v", len(body), err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp, b.String()
	}

	before := h.snapshot()
	resp, body := post(bytes.Repeat([]byte("A"), 10<<20))
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "request body over") {
		t.Errorf("10 MB body: %s %q, want 413 saying the limit", resp.Status, body)
	}
	if h.snapshot() != before {
		t.Errorf("a 10 MB request changed the store")
	}
	// A CSR asking for CA:TRUE is refused before the token is spent.
	caTrue := csrPEMOf(hostileCSR(t, hostileKey(t, 0), &x509.CertificateRequest{DNSNames: []string{"evil.test"},
		ExtraExtensions: []pkix.Extension{requestExt(t, asn1.ObjectIdentifier{2, 5, 29, 19}, struct{ IsCA bool }{true})}}))
	if resp, body := post(caTrue); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "CSR requests CA:TRUE (basicConstraints)") {
		t.Errorf("CA:TRUE CSR: %s %q, want 403 naming CA:TRUE", resp.Status, body)
	}
	if h.snapshot() != before {
		t.Errorf("a CSR asking for CA:TRUE changed the store")
	}
	// The token was not spent on the refusals.
	if resp, body := post(h.read("body.csr")); resp.StatusCode != http.StatusCreated {
		t.Errorf("the token after a refused request: %s %q, want 201", resp.Status, body)
	}
	srv.stop(t)
}

// TestHostileDNSPackets sends `localca dns serve` a packet with QR set (a
// response: never answered, so it cannot be reflected), a query with two
// questions (FORMERR), and an UPDATE without TSIG (REFUSED, the store
// unchanged). Each is followed by a good query on the same socket, whose
// answer must be the next packet back: no sleeping, no waiting for silence.
func TestHostileDNSPackets(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	h.ok("dns", "add", "web.localca.test. 60 IN A 127.0.0.1")
	srv, addr := h.serve("dns", "serve", "--addr", "127.0.0.1:0", "--sync", "50ms")

	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	co := &dns.Conn{Conn: conn}
	var id uint16 = 100
	query := func() *dns.Msg {
		id++
		m := new(dns.Msg).SetQuestion("web.localca.test.", dns.TypeA)
		m.Id = id
		return m
	}
	send := func(m *dns.Msg) {
		t.Helper()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if err := co.WriteMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	read := func() *dns.Msg {
		t.Helper()
		r, err := co.ReadMsg()
		if err != nil {
			t.Fatalf("no reply: %v", err)
		}
		return r
	}
	// goodAfter sends a good query and checks that the next reply is its
	// answer: whatever came before got no reply at all.
	goodAfter := func(what string) {
		t.Helper()
		q := query()
		send(q)
		if r := read(); r.Id != q.Id || r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
			t.Errorf("after %s the next reply is %v, want the answer to query %d", what, r, q.Id)
		}
	}

	t.Run("QR set", func(t *testing.T) {
		m := query()
		m.Response = true
		send(m)
		goodAfter("a packet with QR set")
	})
	t.Run("two questions", func(t *testing.T) {
		m := query()
		m.Question = append(m.Question, dns.Question{Name: "other.localca.test.", Qtype: dns.TypeA, Qclass: dns.ClassINET})
		send(m)
		if r := read(); r.Id != m.Id || r.Rcode != dns.RcodeFormatError || len(r.Answer) != 0 {
			t.Errorf("two questions: %v, want FORMERR without answers", r)
		}
		goodAfter("two questions")
	})
	t.Run("UPDATE without TSIG", func(t *testing.T) {
		h := h.in(t)
		before := h.snapshot()
		m := new(dns.Msg).SetUpdate("localca.test.")
		rr, err := dns.NewRR("evil.localca.test. 60 IN A 127.0.0.66")
		if err != nil {
			t.Fatal(err)
		}
		m.Insert([]dns.RR{rr})
		id++
		m.Id = id
		send(m)
		if r := read(); r.Id != m.Id || r.Rcode != dns.RcodeRefused {
			t.Errorf("unsigned UPDATE: %v, want REFUSED", r)
		}
		if h.snapshot() != before {
			t.Errorf("an unsigned UPDATE changed the store")
		}
		q := query()
		q.Question[0].Name = "evil.localca.test."
		send(q)
		if r := read(); r.Id != q.Id || len(r.Answer) != 0 {
			t.Errorf("the refused update is served: %v", r)
		}
	})
	srv.stop(t)
}
