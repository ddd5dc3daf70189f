package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

var (
	upDNS         = regexp.MustCompile(`^dns (\S+) zone (\S+)$`)
	upServiceLine = regexp.MustCompile(`^service (\S+) (tcp|http) (\S+) serial ([0-9A-F]+) allow (\S*)$`)
	upReady       = regexp.MustCompile(`^ready; `)
	upRenewed     = regexp.MustCompile(`^renewed (\S+) serial ([0-9A-F]+)$`)
	callConnect   = regexp.MustCompile(`(?m)^connected to (\S+) \((\S+)\) over (TLS 1\.\d), server serial ([0-9A-F]+)$`)
)

// upRun is a running `localca up`: its DNS address and each service's
// address and serial.
type upRun struct {
	srv     *server
	dns     string
	addr    map[string]string
	serial  map[string]string
	nextOut int
}

// startUp runs `localca up ARGS --dns-addr 127.0.0.1:0` and waits for ready.
func startUp(h *home, services int, args ...string) *upRun {
	h.t.Helper()
	u := &upRun{srv: h.start(append([]string{"up", "--dns-addr", "127.0.0.1:0", "--crl-refresh", "1s"}, args...)...),
		addr: map[string]string{}, serial: map[string]string{}}
	var m []string
	m, u.nextOut = u.srv.waitStdout(h.t, 0, upDNS)
	u.dns = m[1]
	for range services {
		m, u.nextOut = u.srv.waitStdout(h.t, u.nextOut, upServiceLine)
		u.addr[m[1]], u.serial[m[1]] = m[3], m[4]
	}
	_, u.nextOut = u.srv.waitStdout(h.t, u.nextOut, upReady)
	return u
}

// call runs `localca call NAME --as AS --dns ADDR MESSAGE` as its own
// process.
func (u *upRun) call(h *home, name, as string, message ...string) cliResult {
	h.t.Helper()
	return h.subprocess("", append([]string{"call", name, "--as", as, "--dns", u.dns, "--timeout", "10s"}, message...)...)
}

// callOK checks a call succeeded, reached the service up announced and
// echoed message; it returns the server serial the call saw.
func (u *upRun) callOK(h *home, name, as, message string) string {
	h.t.Helper()
	r := u.call(h, name, as, message)
	m := callConnect.FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil || !strings.Contains(r.stdout, "\necho: "+message+"\n") {
		h.t.Fatalf("call %s --as %s: want exit 0, a connection and the echo: %s", name, as, r)
	}
	if m[1] != name+".localca.test" || m[2] != u.addr[name] {
		h.t.Errorf("call %s went to %s (%s); up put it on %s", name, m[1], m[2], u.addr[name])
	}
	return m[4]
}

func TestUpTwoServicesCallRenewAndStop(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	file := h.write("services.toml", []byte(`zone = "localca.test."
validity = "2h"

[[service]]
name     = "a"
protocol = "tcp"
allow    = ["b"]    # b may call a

[[service]]
name     = "b"
protocol = "http"
allow    = []       # nobody may call b
`))
	u := startUp(h, 2, file)

	// Registered: SRV, A and TXT of each service, in the store too.
	registered := strings.Join(h.dnsList(), "\n")
	for _, want := range []string{"_a._tcp.localca.test.", "a.localca.test.\t60\tIN\tA\t127.0.0.1", `"proto=tcp"`, "_b._tcp.localca.test.", `"proto=http"`} {
		if !strings.Contains(registered, want) {
			t.Errorf("dns list while up runs lacks %q:\n%s", want, registered)
		}
	}

	// The file's validity, not the peer profile's 24 hours.
	for name, serial := range u.serial {
		var info certInfo
		if err := json.Unmarshal([]byte(h.ok("show", serial, "--json")), &info); err != nil {
			t.Fatalf("show %s: %v", serial, err)
		}
		if left := time.Until(info.NotAfter); left <= 110*time.Minute || left > 2*time.Hour {
			t.Errorf("service %s: certificate valid for %s more, want the file's 2h", name, left.Round(time.Second))
		}
	}

	if got := u.callOK(h, "a", "b", "hello from b"); got != u.serial["a"] {
		t.Errorf("call saw server serial %s, up announced %s", got, u.serial["a"])
	}
	if r := u.call(h, "a", "b", "again"); !strings.Contains(r.stdout, `hello "CN=b.localca.test"`) {
		t.Errorf("a should greet its caller by its certificate, CN=b.localca.test: %s", r)
	}

	r := u.call(h, "b", "a")
	if r.code != 1 || strings.Contains(r.stdout, "echo:") || !strings.Contains(r.stderr, "refused by the service") {
		t.Errorf("call b --as a: want exit 1, refused: %s", r)
	}
	u.srv.wait(t, u.srv.stderr, 0, regexp.MustCompile(`peer not allowed: certificate "CN=a\.localca\.test".*spiffe://localca\.test/a`), 10*time.Second)

	// SIGHUP renews every certificate now; calls then see the new one.
	u.srv.signal(t, syscall.SIGHUP)
	renewed := map[string]string{}
	for range 2 {
		var m []string
		m, u.nextOut = u.srv.waitStdout(t, u.nextOut, upRenewed)
		renewed[m[1]] = m[2]
	}
	for name, old := range u.serial {
		if renewed[name] == "" || renewed[name] == old {
			t.Errorf("service %s: serial %s before SIGHUP, %q after", name, old, renewed[name])
		}
	}
	if got := u.callOK(h, "a", "b", "after renewal"); got != renewed["a"] {
		t.Errorf("after SIGHUP the call saw server serial %s, want the renewed %s (old %s)", got, renewed["a"], u.serial["a"])
	}

	u.srv.stop(t)
	after := strings.Join(h.dnsList(), "\n")
	for _, gone := range []string{"_a._tcp.localca.test.", "a.localca.test.", "_b._tcp.localca.test.", "b.localca.test."} {
		if strings.Contains(after, gone) {
			t.Errorf("after SIGTERM dns list still shows %s:\n%s", gone, after)
		}
	}
	if r := u.call(h, "a", "b", "anyone there"); r.code != 1 {
		t.Errorf("call after up stopped: want exit 1: %s", r)
	}
}

func TestUpSampleServices(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	u := startUp(h, 2)
	if _, ok := u.addr["echo"]; !ok {
		t.Fatalf("the sample set has no echo service: %v", u.addr)
	}
	if got := u.callOK(h, "echo", "web", "hello"); got != u.serial["echo"] {
		t.Errorf("call saw server serial %s, up announced %s", got, u.serial["echo"])
	}
	if r := u.call(h, "web", "echo"); r.code != 1 {
		t.Errorf("call web --as echo: want exit 1 (web allows nobody): %s", r)
	}
	u.srv.stop(t)
}

func TestUpRefusesBadServicesFile(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	for _, tt := range []struct{ name, file, want string }{
		{"unknown key", "[[service]]\nname = \"a\"\nprotocol = \"tcp\"\ncolour = \"red\"\n", "unknown key"},
		{"allows a stranger", "[[service]]\nname = \"a\"\nprotocol = \"tcp\"\nallow = [\"z\"]\n", "not a service"},
		{"bad protocol", "[[service]]\nname = \"a\"\nprotocol = \"udp\"\n", "protocol"},
		{"no services", "zone = \"localca.test.\"\n", "no [[service]]"},
		{"bad validity", "validity = \"soon\"\n[[service]]\nname = \"a\"\nprotocol = \"tcp\"\n", "duration \"soon\""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := h.in(t)
			// Its own process: a file wrongly accepted would start services.
			r := h.subprocess("", "up", h.write(strings.ReplaceAll(tt.name, " ", "-")+".toml", []byte(tt.file)), "--dns-addr", "127.0.0.1:0")
			if r.code != 1 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("want exit 1 and %q: %s", tt.want, r)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(h.dir, "localca.db")); err == nil {
		t.Errorf("a refused services file made a store")
	}
}

// TestUpReplacesRecordsOfAKilledRun: a run killed before it could
// deregister leaves its records in the store; the next run must replace
// them, not advertise the dead ports beside its own.
func TestUpReplacesRecordsOfAKilledRun(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	first := startUp(h, 2)
	first.srv.signal(t, syscall.SIGKILL)
	<-first.srv.done
	if recs := h.dnsList(); len(recs) == 0 {
		t.Fatalf("the killed run left no records; nothing to test")
	}

	second := startUp(h, 2)
	srvs := map[string][]string{}
	for _, rec := range h.dnsList() {
		if f := strings.Fields(rec); len(f) == 8 && f[3] == "SRV" {
			srvs[f[0]] = append(srvs[f[0]], f[6])
		}
	}
	for name, addr := range second.addr {
		got := srvs["_"+name+"._tcp.localca.test."]
		if want := portOf(t, addr); len(got) != 1 || got[0] != want {
			t.Errorf("%s: SRV ports %q, want only this run's %s", name, got, want)
		}
	}
	second.callOK(h, "echo", "web", "still there")
	second.srv.stop(t)
	if recs := h.dnsList(); len(recs) != 0 {
		t.Errorf("after SIGTERM: %q, want no records", recs)
	}
}

// TestUpCallHTTPService: a call to an http service that allows its caller
// gets the echo, whichever protocol ALPN agrees on (issue 14, item 6: the
// handshake agreed on h2 and the client then spoke HTTP/1.1, which was
// reported as a refusal); a caller it does not allow is still refused.
func TestUpCallHTTPService(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	file := h.write("services.toml", []byte(`[[service]]
name     = "api"
protocol = "http"
allow    = ["cli"]

[[service]]
name     = "cli"
protocol = "tcp"
allow    = []
`))
	u := startUp(h, 2, file)
	if got := u.callOK(h, "api", "cli", "hello over http"); got != u.serial["api"] {
		t.Errorf("call saw server serial %s, up announced %s", got, u.serial["api"])
	}
	r := u.call(h, "api", "api")
	if r.code != 1 || !strings.Contains(r.stderr, "refused by the service") {
		t.Errorf("call api --as api (not allowed): want exit 1, refused by the service: %s", r)
	}
	u.srv.stop(t)
}
