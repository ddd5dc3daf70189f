package benchalt

import (
	"fmt"
	"slices"
	"time"
)

// MinPairs is the fewest pairs a figure is taken from, and DefaultPairs what
// the helpers run when asked for fewer: odd, so that the median is one pair's
// ratio and inverts exactly.
const (
	MinPairs     = 20
	DefaultPairs = 21
)

// Pair is one alternation: the time of one operation of A, then of B.
type Pair struct {
	A, B time.Duration
}

// Result is every pair of one alternated run, in the order they ran.
type Result struct {
	Pairs []Pair
}

// Stat is the median of a run's per-pair figures with their extremes.
type Stat struct {
	Median, Min, Max float64
}

// String formats a ratio as the table shows it: "0.82 (0.74-0.91)".
func (s Stat) String() string {
	return fmt.Sprintf("%.2f (%.2f-%.2f)", s.Median, s.Min, s.Max)
}

// Ratio is A's time over B's, per pair (below 1: A is faster).
func (r Result) Ratio() Stat {
	return stat(r.Pairs, func(p Pair) float64 { return float64(p.A) / float64(p.B) })
}

// Speedup is B's time over A's, per pair: a throughput ratio of A to B, or
// how many times as long B takes.
func (r Result) Speedup() Stat {
	return stat(r.Pairs, func(p Pair) float64 { return float64(p.B) / float64(p.A) })
}

// MedianA and MedianB are each side's median time per operation over the
// pairs; they are for the table's "ours" and "baseline" columns, the ratio
// comes from the pairs.
func (r Result) MedianA() time.Duration {
	return time.Duration(stat(r.Pairs, func(p Pair) float64 { return float64(p.A) }).Median)
}

// MedianB: see MedianA.
func (r Result) MedianB() time.Duration {
	return time.Duration(stat(r.Pairs, func(p Pair) float64 { return float64(p.B) }).Median)
}

func stat(pairs []Pair, f func(Pair) float64) Stat {
	if len(pairs) == 0 {
		return Stat{}
	}
	v := make([]float64, len(pairs))
	for i, p := range pairs {
		v[i] = f(p)
	}
	slices.Sort(v)
	n := len(v)
	med := v[n/2]
	if n%2 == 0 {
		med = (v[n/2-1] + v[n/2]) / 2
	}
	return Stat{Median: med, Min: v[0], Max: v[n-1]}
}
