package dnssrv

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/miekg/dns"
)

func srv(prio, weight uint16, target string) *dns.SRV {
	return &dns.SRV{
		Hdr:      dns.RR_Header{Name: "_x._tcp.localca.test.", Rrtype: dns.TypeSRV, Class: dns.ClassINET, Ttl: 60},
		Priority: prio, Weight: weight, Port: 7000, Target: target,
	}
}

func TestOrderPriorities(t *testing.T) {
	in := []*dns.SRV{srv(20, 1, "c."), srv(10, 0, "a."), srv(30, 5, "d."), srv(10, 9, "b.")}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		out := Order(in, rnd)
		if len(out) != len(in) {
			t.Fatalf("Order returned %d records, want %d", len(out), len(in))
		}
		for i := 1; i < len(out); i++ {
			if out[i-1].Priority > out[i].Priority {
				t.Fatalf("priority %d before %d", out[i-1].Priority, out[i].Priority)
			}
		}
	}
	if in[0].Target != "c." {
		t.Error("Order modified its input")
	}
	if got := Order([]*dns.SRV{srv(0, 0, ".")}, rnd); len(got) != 0 {
		t.Errorf(`single "." target: %v, want nothing to try`, got)
	}
}

// TestOrderWeights checks that, within a priority, the first pick follows
// the weights: a chi-squared goodness-of-fit test on 20000 orderings with a
// fixed seed, so the result is reproducible.
func TestOrderWeights(t *testing.T) {
	tests := []struct {
		name    string
		weights []uint16
		// Expected share of first picks. RFC 2782 draws from [0, sum], so
		// there are sum+1 equally likely draws: a weight-0 record (placed
		// first) gets draw 0 only; without one, whichever record was
		// shuffled first gets draw 0 besides its weight's draws, an extra
		// 1/k to each of k records on average.
		want []float64
	}{
		{"10/30/60", []uint16{10, 30, 60}, []float64{(10 + 1.0/3) / 101, (30 + 1.0/3) / 101, (60 + 1.0/3) / 101}},
		{"with zero", []uint16{0, 50, 50}, []float64{1.0 / 101, 50.0 / 101, 50.0 / 101}},
		{"all zero", []uint16{0, 0, 0, 0}, []float64{0.25, 0.25, 0.25, 0.25}},
	}
	const n = 20000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in []*dns.SRV
			for i, w := range tt.weights {
				in = append(in, srv(10, w, fmt.Sprintf("t%d.", i)))
			}
			rnd := rand.New(rand.NewPCG(42, 2782))
			counts := map[string]int{}
			for range n {
				counts[Order(in, rnd)[0].Target]++
			}
			// The expected shares must sum to 1 (a check of the test).
			total := 0.0
			for _, p := range tt.want {
				total += p
			}
			if math.Abs(total-1) > 1e-9 {
				t.Fatalf("expected shares sum to %v", total)
			}
			chi2 := 0.0
			for i, p := range tt.want {
				exp := p * n
				d := float64(counts[fmt.Sprintf("t%d.", i)]) - exp
				chi2 += d * d / exp
			}
			// 99.9th percentile of chi-squared with 3 degrees of freedom
			// (the most here) is 16.27.
			if chi2 > 16.27 {
				t.Errorf("first picks %v deviate from %v: chi2 = %.2f", counts, tt.want, chi2)
			}
		})
	}
}

func TestLookupSRV(t *testing.T) {
	ts := startServer(t, &Server{Zone: mustZone(t, testRecords...)})
	ctx := context.Background()
	srvs, addrs, err := LookupSRV(ctx, ts.addr, "echo", "tcp", "localca.test")
	if err != nil {
		t.Fatal(err)
	}
	if len(srvs) != 2 {
		t.Errorf("%d SRV records, want 2", len(srvs))
	}
	if got := addrs["a.localca.test."]; len(got) != 2 {
		t.Errorf("addresses of a.localca.test. = %v, want its A and AAAA", got)
	}
	if _, _, err := LookupSRV(ctx, ts.addr, "_none", "_tcp", "localca.test."); !errors.Is(err, ErrNoTargets) {
		t.Errorf("unknown service: %v, want ErrNoTargets", err)
	}
	if _, _, err := LookupSRV(ctx, ts.addr, "x", "tcp", "example.com"); !errors.Is(err, ErrLookup) {
		t.Errorf("outside the zone: %v, want ErrLookup (REFUSED)", err)
	}

	// A truncated UDP answer is fetched again over TCP.
	big := startServer(t, &Server{Zone: bigZone(t, 60)})
	srvs, _, err = LookupSRV(ctx, big.addr, "big", "tcp", "localca.test")
	if err != nil || len(srvs) != 60 {
		t.Errorf("large RRset: %d records, %v; want 60", len(srvs), err)
	}
}
