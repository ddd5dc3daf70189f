// Package benchalt measures a thing against its baseline fairly on a shared,
// noisy machine: the two run alternately (A B A B ...), at least MinPairs
// times, and every figure is a ratio taken within one pair, reported as the
// median of the pairs' ratios with their minimum and maximum.
//
// Why: load from other processes comes and goes in bursts of seconds. Timed
// one after the other (all of A, then all of B), a burst lands on one side
// and a single ratio swung from 0.6 to 1.7 here. Alternated, a burst lands on
// both sides of the pairs it covers, and the median of the pair ratios
// ignores the few pairs it splits. The minimum and maximum say how far the
// pairs spread: a wide spread says the run was noisy, whatever its median.
//
// Two ways in:
//
//   - Funcs and Bench alternate two functions in this process. Bench is the
//     one for a Go benchmark: the testing package sizes each side's batch
//     (b.N operations), and the helper reports ns/op (A's median), base-ns/op
//     (B's median), ratio, ratio-min and ratio-max.
//   - Commands alternates two sequences of processes (a command of ours
//     against the peer's, or against a bare Go "hello" as the floor of any
//     one-process command), timing each side's wall time and CPU time.
//     scripts/benchalt is its command line; scripts/bench.sh uses it.
//
// A ratio here is always A's time over B's (below 1: A is faster). Speedup
// gives B over A, for throughputs and for "the peer takes N times as long".
// With an odd number of pairs (the default, 21) the median is one pair's
// ratio, so the median speed-up is exactly the inverse of the median ratio.
package benchalt
