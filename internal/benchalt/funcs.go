package benchalt

import (
	"fmt"
	"time"
)

// Funcs runs a(n) and b(n) alternately, pairs times (at least MinPairs; 0
// means DefaultPairs), after one warm-up pair that is not counted, and
// returns each side's time per operation in every pair. a and b do n
// operations each call; make n large enough that one call takes a few
// milliseconds or more, so the clock's resolution and the scheduler's
// quantum are small beside it.
func Funcs(pairs, n int, a, b func(n int) error) (Result, error) {
	if pairs == 0 {
		pairs = DefaultPairs
	}
	if pairs < MinPairs {
		return Result{}, fmt.Errorf("benchalt: %d pairs: %w", pairs, ErrTooFewPairs)
	}
	if n < 1 {
		return Result{}, fmt.Errorf("benchalt: %d operations per call: %w", n, ErrNoOperations)
	}
	timed := func(side string, f func(int) error) (time.Duration, error) {
		start := time.Now()
		if err := f(n); err != nil {
			return 0, fmt.Errorf("benchalt: side %s: %w", side, err)
		}
		return time.Since(start) / time.Duration(n), nil
	}
	res := Result{Pairs: make([]Pair, 0, pairs)}
	for i := -1; i < pairs; i++ { // i == -1: the warm-up pair
		ta, err := timed("A", a)
		if err != nil {
			return Result{}, err
		}
		tb, err := timed("B", b)
		if err != nil {
			return Result{}, err
		}
		if i >= 0 {
			res.Pairs = append(res.Pairs, Pair{A: ta, B: tb})
		}
	}
	return res, nil
}

// TB is the part of *testing.B that Bench uses (so that this package does not
// link the testing package into the binaries that use Commands or Funcs).
type TB interface {
	Helper()
	Fatal(args ...any)
	ReportMetric(n float64, unit string)
	ResetTimer()
}

// Bench alternates a (the measure) and base (its baseline) inside a Go
// benchmark, DefaultPairs times with bN operations on each side per pair, and
// reports:
//
//	ns/op        A's median time per operation (replacing the whole run's mix)
//	base-ns/op   B's median time per operation
//	ratio        the median of the pairs' A/B time ratios
//	ratio-min    their minimum
//	ratio-max    their maximum
//
// Call it with b.N; the testing package then sizes the batches so that the
// run fills -benchtime:
//
//	func BenchmarkThing(b *testing.B) {
//		benchalt.Bench(b, b.N, ours, baseline)
//	}
//
// A throughput ratio (A's operations per second over B's) is 1/ratio, with
// min and max swapped: scripts/bench.sh prints it so.
func Bench(tb TB, bN int, a, base func(n int) error) Result {
	tb.Helper()
	tb.ResetTimer()
	res, err := Funcs(DefaultPairs, bN, a, base)
	if err != nil {
		tb.Fatal(err)
	}
	Report(tb, res)
	return res
}

// Report reports an alternated result from a Go benchmark under the metric
// names Bench uses, for a benchmark that builds its pairs itself (one whose
// sides are measured by an outside tool, as dnsperf's queries per second:
// a pair's times are then one second over each side's rate).
func Report(tb TB, res Result) {
	r := res.Ratio()
	tb.ReportMetric(float64(res.MedianA()), "ns/op")
	tb.ReportMetric(float64(res.MedianB()), "base-ns/op")
	tb.ReportMetric(r.Median, "ratio")
	tb.ReportMetric(r.Min, "ratio-min")
	tb.ReportMetric(r.Max, "ratio-max")
}
