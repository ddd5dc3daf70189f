package dnssrv

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDnsperf runs dnsperf against the server over UDP and pipelined TCP:
// a few thousand queries, none may be lost. This checks robustness, not
// speed (speed is BenchmarkServeSRV's job).
func TestDnsperf(t *testing.T) {
	if testing.Short() {
		t.Skip("dnsperf load test skipped in -short mode")
	}
	ts := startServer(t, &Server{Zone: mustZone(t, testRecords...)})
	host, port, _ := net.SplitHostPort(ts.addr)
	var input strings.Builder
	for range 500 {
		input.WriteString("_echo._tcp.localca.test SRV\na.localca.test A\nnope.localca.test A\n")
	}
	file := filepath.Join(t.TempDir(), "queries.txt")
	if err := os.WriteFile(file, []byte(input.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// Over UDP at most 20 queries are in flight: each small datagram takes
	// about a kilobyte of the socket's receive buffer in the kernel, so 200
	// at once can overflow the default buffer on a loaded machine, and the
	// kernel, not the server, drops them. TCP pipelines 200 on a connection:
	// that is what must never lose a query.
	for _, tt := range []struct{ mode, inFlight string }{{"udp", "20"}, {"tcp", "200"}} {
		mode := tt.mode
		t.Run(mode, func(t *testing.T) {
			out, err := runTool(t, "", "dnsperf", "-s", host, "-p", port, "-m", mode, "-d", file, "-n", "2", "-c", "2", "-q", tt.inFlight, "-t", "5")
			if err != nil {
				t.Fatalf("dnsperf: %v\n%s", err, out)
			}
			sent := regexp.MustCompile(`Queries sent:\s+(\d+)`).FindStringSubmatch(out)
			lost := regexp.MustCompile(`Queries lost:\s+(\d+)`).FindStringSubmatch(out)
			if sent == nil || lost == nil || sent[1] != "3000" || lost[1] != "0" {
				t.Errorf("want 3000 queries sent and none lost:\n%s", out)
			}
		})
	}
}
