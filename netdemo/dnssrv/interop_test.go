package dnssrv

import (
	"net"
	"regexp"
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// runTool runs an external tool with a deadline and returns its output.
func runTool(t *testing.T, stdin string, name string, args ...string) (string, error) {
	t.Helper()
	r := testkit.Run(t, nil, stdin, name, args...)
	return r.Output(), r.Err
}

// digAt runs dig against the test server.
func digAt(t *testing.T, ts *testServer, args ...string) string {
	t.Helper()
	host, port, err := net.SplitHostPort(ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	args = append([]string{"@" + host, "-p", port, "+time=3", "+tries=1"}, args...)
	out, err := runTool(t, "", "dig", args...)
	if err != nil {
		t.Fatalf("dig %v: %v\n%s", args, err, out)
	}
	return out
}

// digFlags returns the flags line of dig's header ("qr aa rd").
func digFlags(out string) string {
	m := regexp.MustCompile(`;; flags: ([a-z ]*);`).FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	return m[1]
}

func digStatus(out string) string {
	m := regexp.MustCompile(`status: ([A-Z]+)`).FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	return m[1]
}

func hasFlag(out, flag string) bool {
	return strings.Contains(" "+digFlags(out)+" ", " "+flag+" ")
}

func TestDig(t *testing.T) {
	z := bigZone(t, 40)
	for _, r := range testRecords {
		if err := z.Add(mustRR(t, r)); err != nil {
			t.Fatal(err)
		}
	}
	ts := startServer(t, &Server{Zone: z})

	t.Run("SRV with additional A", func(t *testing.T) {
		out := digAt(t, ts, "_echo._tcp.localca.test", "SRV")
		if digStatus(out) != "NOERROR" || !hasFlag(out, "aa") || hasFlag(out, "ra") {
			t.Errorf("status %q flags %q, want NOERROR with aa, no ra\n%s", digStatus(out), digFlags(out), out)
		}
		for _, want := range []string{
			"_echo._tcp.localca.test. 60\tIN\tSRV\t10 5 7000 a.localca.test.",
			";; ADDITIONAL SECTION:",
			"a.localca.test.\t\t60\tIN\tA\t127.0.0.1",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("dig output lacks %q\n%s", want, out)
			}
		}
	})
	t.Run("tcp", func(t *testing.T) {
		out := digAt(t, ts, "+tcp", "a.localca.test", "A")
		if digStatus(out) != "NOERROR" || !strings.Contains(out, "127.0.0.1") || !strings.Contains(out, "(TCP)") {
			t.Errorf("dig +tcp:\n%s", out)
		}
	})
	t.Run("large RRset truncated over UDP", func(t *testing.T) {
		out := digAt(t, ts, "+ignore", "+noedns", "big.localca.test", "TXT")
		if !hasFlag(out, "tc") {
			t.Errorf("no TC flag over UDP without EDNS0:\n%s", out)
		}
		if m := regexp.MustCompile(`MSG SIZE  rcvd: (\d+)`).FindStringSubmatch(out); m == nil || len(m[1]) > 3 {
			t.Errorf("UDP answer not within 512 bytes:\n%s", out)
		}
		out = digAt(t, ts, "+ignore", "+bufsize=1232", "_big._tcp.localca.test", "SRV")
		if !hasFlag(out, "tc") {
			t.Errorf("no TC flag over UDP with EDNS0 1232:\n%s", out)
		}
	})
	t.Run("large RRset whole over TCP", func(t *testing.T) {
		out := digAt(t, ts, "+tcp", "big.localca.test", "TXT")
		if hasFlag(out, "tc") || strings.Count(out, "\tTXT\t") != 40 {
			t.Errorf("want 40 TXT records over TCP, got %d:\n%s", strings.Count(out, "\tTXT\t"), out)
		}
		// Without +ignore, dig retries over TCP by itself on TC.
		out = digAt(t, ts, "_big._tcp.localca.test", "SRV")
		if strings.Count(out, "\tSRV\t") != 40 {
			t.Errorf("dig's TCP retry got %d SRV records, want 40", strings.Count(out, "\tSRV\t"))
		}
	})
	t.Run("NXDOMAIN with SOA", func(t *testing.T) {
		out := digAt(t, ts, "missing.localca.test", "A")
		if digStatus(out) != "NXDOMAIN" || !hasFlag(out, "aa") || !strings.Contains(out, "\tSOA\tns.localca.test. hostmaster.localca.test.") {
			t.Errorf("want authoritative NXDOMAIN with SOA:\n%s", out)
		}
	})
	t.Run("REFUSED outside the zone", func(t *testing.T) {
		out := digAt(t, ts, "example.com", "A")
		if digStatus(out) != "REFUSED" || hasFlag(out, "aa") {
			t.Errorf("want REFUSED without aa:\n%s", out)
		}
	})
	t.Run("CNAME chased", func(t *testing.T) {
		out := digAt(t, ts, "alias.localca.test", "A")
		if !strings.Contains(out, "CNAME\twww.localca.test.") || !strings.Contains(out, "a.localca.test.\t\t60\tIN\tA\t127.0.0.1") {
			t.Errorf("CNAME chain not answered:\n%s", out)
		}
	})
}

func TestNsupdate(t *testing.T) {
	key, err := NewTSIGKey("localca-update")
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, &Server{Zone: mustZone(t, testRecords...), Keys: []TSIGKey{key}})
	host, port, _ := net.SplitHostPort(ts.addr)
	script := func(record string) string {
		return "server " + host + " " + port + "\nzone localca.test.\nupdate add " + record + "\nsend\n"
	}

	t.Run("signed add then dig sees it", func(t *testing.T) {
		out, err := runTool(t, script("_new._tcp.localca.test. 60 IN SRV 0 1 9000 a.localca.test."), "nsupdate", "-y", key.NsupdateArg())
		if err != nil {
			t.Fatalf("nsupdate: %v\n%s", err, out)
		}
		dug := digAt(t, ts, "_new._tcp.localca.test", "SRV")
		if !strings.Contains(dug, "SRV\t0 1 9000 a.localca.test.") || !strings.Contains(dug, "127.0.0.1") {
			t.Errorf("dig does not see the added record:\n%s", dug)
		}
	})
	t.Run("signed delete", func(t *testing.T) {
		in := "server " + host + " " + port + "\nzone localca.test.\nupdate delete _new._tcp.localca.test. SRV\nsend\n"
		out, err := runTool(t, in, "nsupdate", "-y", key.NsupdateArg())
		if err != nil {
			t.Fatalf("nsupdate: %v\n%s", err, out)
		}
		if dug := digAt(t, ts, "_new._tcp.localca.test", "SRV"); digStatus(dug) != "NXDOMAIN" {
			t.Errorf("after delete: %s", dug)
		}
	})
	t.Run("signed query answered and signed", func(t *testing.T) {
		out := digAt(t, ts, "-y", key.NsupdateArg(), "a.localca.test", "A")
		if digStatus(out) != "NOERROR" || !strings.Contains(out, "127.0.0.1") || !strings.Contains(out, "TSIG PSEUDOSECTION") || strings.Contains(out, "failure") {
			t.Errorf("dig -y:\n%s", out)
		}
	})
	t.Run("unsigned refused", func(t *testing.T) {
		out, err := runTool(t, script("evil.localca.test. 60 IN A 127.0.0.66"), "nsupdate")
		if err == nil || !strings.Contains(out, "REFUSED") {
			t.Errorf("unsigned nsupdate: err %v, output %q; want failure with REFUSED", err, out)
		}
		if dug := digAt(t, ts, "evil.localca.test", "A"); digStatus(dug) != "NXDOMAIN" {
			t.Errorf("unsigned update was applied:\n%s", dug)
		}
	})
	t.Run("wrong key refused", func(t *testing.T) {
		other, err := NewTSIGKey("localca-update")
		if err != nil {
			t.Fatal(err)
		}
		out, err := runTool(t, script("evil.localca.test. 60 IN A 127.0.0.66"), "nsupdate", "-y", other.NsupdateArg())
		if err == nil {
			t.Errorf("nsupdate with a wrong secret succeeded:\n%s", out)
		}
		if dug := digAt(t, ts, "evil.localca.test", "A"); digStatus(dug) != "NXDOMAIN" {
			t.Errorf("badly signed update was applied:\n%s", dug)
		}
	})
}
