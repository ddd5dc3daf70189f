package dnssrv

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/benchalt"
	"github.com/miekg/dns"
)

// BenchmarkDnsperf measures SRV answers per second over UDP on loopback with
// dnsperf (a client we did not write), against our server and against a bare
// miekg/dns server answering the same record with its target's A record,
// alternately in the same run so that both see the same machine: a warm-up
// pair, then 21 pairs (internal/benchalt), each running dnsperf for
// LOCALCA_BENCH_DNSPERF_SECONDS (default 1) on each server. Reported as
// benchalt.Bench reports: ns/op and base-ns/op are the median time per
// query (one second over the queries per second) of ours and of the bare
// server, ratio (ratio-min, ratio-max) the median of the pairs' ours/bare
// time ratios (below 1: ours answers more), plus ours-qps and bare-qps.
// Unlike BenchmarkServeSRV, which calls the handlers directly, this counts
// everything a client sees: the socket, miekg/dns's read loop, the handler
// and the write.
//
//	go test -run '^$' -bench Dnsperf -benchtime 1x ./netdemo/dnssrv   # about 45 s
func BenchmarkDnsperf(b *testing.B) {
	dnsperf, err := exec.LookPath("dnsperf")
	if err != nil {
		if os.Getenv("CI") == "true" {
			b.Fatalf("dnsperf not installed (required when CI=true): %v", err)
		}
		b.Skipf("dnsperf not installed: %v", err)
	}
	seconds := 1
	if v := os.Getenv("LOCALCA_BENCH_DNSPERF_SECONDS"); v != "" {
		if seconds, err = strconv.Atoi(v); err != nil || seconds < 1 {
			b.Fatalf("LOCALCA_BENCH_DNSPERF_SECONDS=%q: want a whole number of seconds", v)
		}
	}
	srvRR := mustRR(b, "_echo._tcp.localca.test. 60 IN SRV 10 5 7000 a.localca.test.")
	aRR := mustRR(b, "a.localca.test. 60 IN A 127.0.0.1")
	ours := startServer(b, &Server{Zone: mustZone(b, srvRR.String(), aRR.String())}).addr
	bare := startBare(b, bareSRVHandler(srvRR, aRR))
	queries := filepath.Join(b.TempDir(), "queries.txt")
	if err := os.WriteFile(queries, []byte("_echo._tcp.localca.test SRV\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	run := func(addr string) float64 {
		host, port, _ := net.SplitHostPort(addr)
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+30)*time.Second)
		defer cancel()
		// One dnsperf thread with 4 clients and at most 20 queries in
		// flight: the server gets the other core, and the kernel's socket
		// buffer never overflows (see TestDnsperf).
		out, err := exec.CommandContext(ctx, dnsperf, "-s", host, "-p", port, "-d", queries,
			"-l", strconv.Itoa(seconds), "-T", "1", "-c", "4", "-q", "20", "-t", "2").CombinedOutput()
		if err != nil {
			b.Fatalf("dnsperf: %v\n%s", err, out)
		}
		qps := regexp.MustCompile(`Queries per second:\s+([0-9.]+)`).FindSubmatch(out)
		completed := regexp.MustCompile(`Queries completed:\s+(\d+)`).FindSubmatch(out)
		if qps == nil || completed == nil || string(completed[1]) == "0" {
			b.Fatalf("dnsperf answered nothing:\n%s", out)
		}
		if !strings.Contains(string(out), "NOERROR") {
			b.Fatalf("dnsperf got no NOERROR answers:\n%s", out)
		}
		v, _ := strconv.ParseFloat(string(qps[1]), 64)
		return v
	}
	var res benchalt.Result
	for i := -1; i < benchalt.DefaultPairs; i++ { // i == -1: the warm-up pair
		o, bq := run(ours), run(bare)
		if i >= 0 {
			res.Pairs = append(res.Pairs, benchalt.Pair{A: time.Duration(float64(time.Second) / o), B: time.Duration(float64(time.Second) / bq)})
		}
	}
	benchalt.Report(b, res)
	b.ReportMetric(float64(time.Second)/float64(res.MedianA()), "ours-qps")
	b.ReportMetric(float64(time.Second)/float64(res.MedianB()), "bare-qps")
}

// startBare serves h over UDP on a loopback port the OS picks, with
// miekg/dns's defaults, until the benchmark ends.
func startBare(b *testing.B, h dns.Handler) string {
	b.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: func() { close(started) }}
	errc := make(chan error, 1)
	go func() { errc <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-errc:
		b.Fatalf("bare server: %v", err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.ShutdownContext(ctx)
		<-errc
	})
	return pc.LocalAddr().String()
}
