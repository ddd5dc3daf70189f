package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/localca/localca/internal/testkit"
)

const (
	webSRV = "_web._tcp.localca.test.\t60\tIN\tSRV\t10 5 8443 web.localca.test."
	webA   = "web.localca.test.\t60\tIN\tA\t127.0.0.1"
)

// dnsList is `localca dns list --json`.
func (h *home) dnsList() []string {
	h.t.Helper()
	var recs []string
	if err := json.Unmarshal([]byte(h.ok("dns", "list", "--json")), &recs); err != nil {
		h.t.Fatalf("dns list --json: %v", err)
	}
	return recs
}

func TestDNSAddListRemove(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	h.ok("dns", "add", "_web._tcp.localca.test. 60 IN SRV 10 5 8443 web.localca.test.")
	h.ok("dns", "add", "web 60 IN A 127.0.0.1") // relative to --zone
	if got := h.dnsList(); strings.Join(got, "\n") != webSRV+"\n"+webA {
		t.Fatalf("dns list --json = %q, want the SRV and the A record", got)
	}
	if out := h.ok("dns", "list"); out != webSRV+"\n"+webA+"\n" {
		t.Errorf("dns list =\n%s", out)
	}
	if r := h.run("dns", "add", "web.localca.test. 60 IN A 127.0.0.1"); r.code != 0 || !strings.Contains(r.stderr, "already there") {
		t.Errorf("adding a record twice: want exit 0 and 'already there': %s", r)
	}

	for _, tt := range []struct {
		name string
		code int
		want string
		args []string
	}{
		{"not a record", 1, "not a valid resource record", []string{"dns", "add", "garbage record"}},
		{"unknown type", 1, "not a valid resource record", []string{"dns", "add", "x.localca.test. 60 IN BOGUS 1"}},
		{"bad address", 1, "not a valid resource record", []string{"dns", "add", "x.localca.test. 60 IN A 999.1.1.1"}},
		{"outside the zone", 1, "outside the zone", []string{"dns", "add", "x.example.com. 60 IN A 192.0.2.1"}},
		{"remove a missing record", 1, "no such record", []string{"dns", "remove", "x.localca.test. 60 IN A 192.0.2.1"}},
		{"no record", 2, "give one record", []string{"dns", "add"}},
		{"two records", 2, "give one record", []string{"dns", "add", "a.localca.test. 60 IN A 192.0.2.1", "b.localca.test. 60 IN A 192.0.2.2"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h.in(t).unchanged(tt.code, tt.want, tt.args...)
		})
	}

	h.ok("dns", "remove", "web.localca.test. 60 IN A 127.0.0.1")
	if got := h.dnsList(); strings.Join(got, "\n") != webSRV {
		t.Fatalf("after remove: %q, want only the SRV record", got)
	}
	h.ok("dns", "remove", "_web._tcp.localca.test. 60 IN SRV 10 5 8443 web.localca.test.")
	if got := h.dnsList(); len(got) != 0 {
		t.Fatalf("after removing both: %q, want none", got)
	}
}

// dig runs dig against the server at port with the given options.
func dig(t *testing.T, port string, args ...string) string {
	t.Helper()
	r := runTool(t, "", testkit.NeedTool(t, "dig"), append([]string{"@127.0.0.1", "-p", port, "+norec", "+time=2", "+tries=2"}, args...)...)
	if r.code != 0 {
		t.Fatalf("dig %q: %s", args, r)
	}
	return r.stdout
}

// digShortEventually asks until dig +short prints want, for at most 10 s.
func digShortEventually(t *testing.T, port, name, qtype, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := strings.TrimSpace(dig(t, port, "+short", name, qtype))
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("dig %s %s: %q after 10s, want %q", name, qtype, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// nsupdate sends one update script to the server and returns the result.
func nsupdate(t *testing.T, port string, update string, args ...string) cliResult {
	t.Helper()
	script := "server 127.0.0.1 " + port + "\nzone localca.test.\n" + update + "\nsend\n"
	return runTool(t, script, testkit.NeedTool(t, "nsupdate"), append([]string{"-t", "5"}, args...)...)
}

var (
	srvAnswer  = regexp.MustCompile(`(?m)^_web\._tcp\.localca\.test\.\s+60\s+IN\s+SRV\s+10 5 8443 web\.localca\.test\.$`)
	aAdditonal = regexp.MustCompile(`(?s)ADDITIONAL SECTION:\n(?:[^\n]*\n)*?web\.localca\.test\.\s+60\s+IN\s+A\s+127\.0\.0\.1\n`)
)

func TestDNSServeWithDigAndNsupdate(t *testing.T) {
	t.Parallel()
	testkit.NeedTool(t, "dig")
	h := newHome(t)
	h.ok("dns", "add", "_web._tcp.localca.test. 60 IN SRV 10 5 8443 web.localca.test.")
	h.ok("dns", "add", "web.localca.test. 60 IN A 127.0.0.1")
	srv, addr := h.serve("dns", "serve", "--addr", "127.0.0.1:0", "--sync", "200ms")
	port := portOf(t, addr)

	for _, transport := range []string{"+notcp", "+tcp"} {
		t.Run("dig SRV "+transport, func(t *testing.T) {
			out := dig(t, port, transport, "_web._tcp.localca.test", "SRV")
			if !strings.Contains(out, "status: NOERROR") || !regexp.MustCompile(`flags: qr aa;`).MatchString(out) {
				t.Errorf("want an authoritative NOERROR answer:\n%s", out)
			}
			if !srvAnswer.MatchString(out) {
				t.Errorf("no SRV answer:\n%s", out)
			}
			if !aAdditonal.MatchString(out) {
				t.Errorf("no A record of the target in the additional section:\n%s", out)
			}
			proto := map[string]string{"+notcp": "(UDP)", "+tcp": "(TCP)"}[transport]
			if !strings.Contains(out, proto) {
				t.Errorf("dig did not ask over %s:\n%s", proto, out)
			}
		})
	}
	t.Run("outside the zone is refused", func(t *testing.T) {
		if out := dig(t, port, "example.com", "A"); !strings.Contains(out, "status: REFUSED") {
			t.Errorf("want REFUSED:\n%s", out)
		}
	})

	t.Run("dns add and remove while serving", func(t *testing.T) {
		h := h.in(t)
		h.ok("dns", "add", "api.localca.test. 60 IN A 127.0.0.2")
		digShortEventually(t, port, "api.localca.test", "A", "127.0.0.2")
		h.ok("dns", "remove", "api.localca.test. 60 IN A 127.0.0.2")
		digShortEventually(t, port, "api.localca.test", "A", "")
	})

	t.Run("nsupdate with the TSIG key", func(t *testing.T) {
		h := h.in(t)
		testkit.NeedTool(t, "nsupdate")
		key := strings.TrimSpace(h.ok("dns", "key"))
		secret := key[strings.LastIndex(key, ":")+1:]
		if out := srv.stdout.String() + srv.stderr.String(); strings.Contains(out, secret) {
			t.Errorf("dns serve printed the TSIG secret:\n%s", out)
		}
		if r := nsupdate(t, port, "update add new.localca.test. 60 IN A 127.0.0.9", "-y", key); r.code != 0 {
			t.Fatalf("nsupdate -y: %s", r)
		}
		if got := strings.TrimSpace(dig(t, port, "+short", "new.localca.test", "A")); got != "127.0.0.9" {
			t.Fatalf("dig after the update: %q, want 127.0.0.9", got)
		}
		if got := strings.Join(h.dnsList(), "\n"); !strings.Contains(got, "new.localca.test.\t60\tIN\tA\t127.0.0.9") {
			t.Errorf("the update is not in the store:\n%s", got)
		}
	})

	t.Run("nsupdate refused", func(t *testing.T) {
		h := h.in(t)
		testkit.NeedTool(t, "nsupdate")
		wrong := "hmac-sha256:" + strings.TrimSuffix(tsigKeyName, ".") + ":" + strings.Repeat("A", 43) + "="
		for _, c := range []struct {
			name, want string
			args       []string
		}{
			{"unsigned", "REFUSED", nil},
			// The answer carries the TSIG error, which nsupdate reports
			// (it said "expected a TSIG or SIG(0)" before).
			{"wrong secret", "NOTAUTH(BADSIG)", []string{"-y", wrong}},
			{"unknown key", "NOTAUTH(BADKEY)", []string{"-y", "hmac-sha256:stranger:" + strings.Repeat("A", 43) + "="}},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := nsupdate(t, port, "update add bad.localca.test. 60 IN A 127.0.0.66", c.args...)
				if r.code == 0 || !strings.Contains(r.stdout+r.stderr, c.want) {
					t.Errorf("want nsupdate to fail with %s: %s", c.want, r)
				}
			})
		}
		if got := strings.TrimSpace(dig(t, port, "+short", "bad.localca.test", "A")); got != "" {
			t.Errorf("a refused update is served: %q", got)
		}
		if got := strings.Join(h.dnsList(), "\n"); strings.Contains(got, "bad.localca.test") {
			t.Errorf("a refused update is in the store:\n%s", got)
		}
	})

	t.Run("dns lookup", func(t *testing.T) {
		h := h.in(t)
		var answers []struct {
			Path          string   `json:"path"`
			Values        []string `json:"values"`
			Rcode         string   `json:"rcode"`
			Authoritative bool     `json:"authoritative"`
		}
		if err := json.Unmarshal([]byte(h.ok("dns", "lookup", "_web._tcp.localca.test", "--type", "SRV", "--server", addr, "--json")), &answers); err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, a := range answers {
			for _, prefix := range []string{"Go resolver", "direct query"} {
				if strings.HasPrefix(a.Path, prefix) && strings.Contains(a.Path, addr) {
					found[prefix] = true
					if strings.Join(a.Values, ",") != "10 5 8443 web.localca.test." {
						t.Errorf("%s: values %q", a.Path, a.Values)
					}
					if prefix == "direct query" && (a.Rcode != "NOERROR" || !a.Authoritative) {
						t.Errorf("%s: rcode %s authoritative %v", a.Path, a.Rcode, a.Authoritative)
					}
				}
			}
		}
		if len(found) != 2 {
			t.Errorf("want the Go resolver and the direct query both pointed at %s: %+v", addr, answers)
		}
		text := h.ok("dns", "lookup", "_web._tcp.localca.test", "--type", "SRV", "--server", addr)
		if n := strings.Count(text, "  10 5 8443 web.localca.test.\n"); n < 2 {
			t.Errorf("text output shows the SRV %d times, want at least 2 (both paths):\n%s", n, text)
		}
	})
	srv.stop(t)
}

// TestDNSServeKeepsEveryAcknowledgedUpdate races DNS UPDATEs against the
// server's sync with the store (every millisecond, with `dns add` changing
// the store meanwhile): every update nsupdate saw acknowledged must be in
// the store and served afterwards. A sync that suppressed writes to the
// store for everything that happened while it ran lost some of them.
func TestDNSServeKeepsEveryAcknowledgedUpdate(t *testing.T) {
	t.Parallel()
	testkit.NeedTool(t, "nsupdate")
	const updates, maxAdds = 200, 1000
	h := newHome(t)
	key := strings.TrimSpace(h.ok("dns", "key"))
	srv, addr := h.serve("dns", "serve", "--addr", "127.0.0.1:0", "--sync", "1ms")
	port := portOf(t, addr)

	// The store changes all the while nsupdate runs, so that most syncs
	// change the zone.
	stop, done := make(chan struct{}), make(chan struct{})
	adds := 0
	go func() {
		defer close(done)
		for ; adds < maxAdds; adds++ {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond): // leave the store to the server too
			}
			if r := h.run("dns", "add", fmt.Sprintf("c%d.localca.test. 60 IN A 127.0.0.2", adds)); r.code != 0 {
				t.Errorf("dns add: %s", r)
				return
			}
		}
	}()
	var script strings.Builder
	for i := range updates {
		fmt.Fprintf(&script, "update add u%d.localca.test. 60 IN A 127.0.0.1\nsend\n", i)
	}
	r := nsupdate(t, port, strings.TrimSuffix(script.String(), "\nsend\n"), "-y", key)
	close(stop)
	<-done
	if r.code != 0 {
		t.Fatalf("nsupdate: %s", r)
	}
	t.Logf("%d updates raced against %d additions to the store", updates, adds)

	stored := map[string]bool{}
	for _, rec := range h.dnsList() {
		stored[strings.Fields(rec)[0]] = true
	}
	var lost []string
	for i := range updates {
		name := fmt.Sprintf("u%d.localca.test.", i)
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeA)
		in, err := dns.Exchange(m, addr)
		if err != nil {
			t.Fatalf("query %s: %v", name, err)
		}
		if !stored[name] || len(in.Answer) != 1 {
			lost = append(lost, fmt.Sprintf("%s (stored %v, served %d)", name, stored[name], len(in.Answer)))
		}
	}
	for i := range adds {
		if name := fmt.Sprintf("c%d.localca.test.", i); !stored[name] {
			lost = append(lost, name+" (dns add)")
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d acknowledged changes lost: %s", len(lost), strings.Join(lost, ", "))
	}
	srv.stop(t)
}
