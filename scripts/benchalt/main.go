// Command benchalt times two commands alternately (A B A B ..., after a
// warm-up pair) and prints one row of the benchmark table: the measure, each
// side's median time, the median of the pairs' ratios with min and max, the
// target and whether it is met. The logic is package internal/benchalt;
// scripts/bench.sh drives this for every process-level row.
//
//	go run ./scripts/benchalt -measure 'localca issue vs cfssl gencert' -target '<= 0.8' \
//	    -a 'localca issue h{i}.test' -b 'cfssl gencert -ca ca.pem -ca-key ca-key.pem req.json'
//
// A side given several -a (or -b) runs them one after the other, timed as
// one (openssl's genpkey, req and x509 -req). Arguments are split on white
// space, with no quoting; "{i}" becomes the run's number.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/localca/localca/internal/benchalt"
)

type sides []benchalt.Command

func (s *sides) String() string { return fmt.Sprint(*s) }
func (s *sides) Set(v string) error {
	*s = append(*s, benchalt.Command{Args: strings.Fields(v)})
	return nil
}

func main() {
	var a, b sides
	flag.Var(&a, "a", "a command of side A, the measure (repeat for a sequence)")
	flag.Var(&b, "b", "a command of side B, the baseline (repeat for a sequence)")
	pairs := flag.Int("pairs", benchalt.DefaultPairs, "alternations (at least 20)")
	measure := flag.String("measure", "", "the row's name")
	target := flag.String("target", "", `the target for the median ratio, e.g. "<= 0.8"`)
	speedup := flag.Bool("speedup", false, "report B's time over A's (how many times as long the baseline takes)")
	by := flag.String("by", "wall", `what to compare: "wall" time, "cpu" time (user + system), or "both" (two rows from the one run)`)
	asJSON := flag.Bool("json", false, "print both measures and every pair as JSON")
	copyExe := flag.Bool("copy", true, "run copies of the programs, all written the same way (benchalt.CopyExecutables)")
	flag.Parse()
	if len(a) == 0 || len(b) == 0 || flag.NArg() > 0 || (*by != "wall" && *by != "cpu" && *by != "both") {
		fmt.Fprintln(os.Stderr, "benchalt: want -a CMD and -b CMD, -by wall, cpu or both, and no other arguments")
		flag.Usage()
		os.Exit(2)
	}
	t, err := run(*pairs, benchalt.Side(a), benchalt.Side(b), *copyExe)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{
			"measure": *measure, "wall_ratio": t.Wall.Ratio(), "cpu_ratio": t.CPU.Ratio(),
			"wall_a_ns": t.Wall.MedianA(), "wall_b_ns": t.Wall.MedianB(),
			"cpu_a_ns": t.CPU.MedianA(), "cpu_b_ns": t.CPU.MedianB(),
			"wall_pairs": t.Wall.Pairs, "cpu_pairs": t.CPU.Pairs,
		}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	for _, k := range []struct {
		name string
		res  benchalt.Result
	}{{"wall", t.Wall}, {"cpu", t.CPU}} {
		if *by != k.name && *by != "both" {
			continue
		}
		ratio := k.res.Ratio()
		if *speedup {
			ratio = k.res.Speedup()
		}
		m, tg := *measure, *target
		if *by == "both" {
			m += " (" + map[string]string{"wall": "wall", "cpu": "CPU"}[k.name] + ")"
			if k.name == "cpu" && tg != "" {
				tg = "(wall's)" // a target is for one measure: the wall time
			}
		}
		fmt.Println(benchalt.Row{Measure: m, Ours: benchalt.Millis(k.res.MedianA()), Baseline: benchalt.Millis(k.res.MedianB()), Ratio: ratio, Target: tg})
	}
}

// run alternates a and b, on copies of their programs when copyExe is set.
func run(pairs int, a, b benchalt.Side, copyExe bool) (benchalt.Timing, error) {
	if copyExe {
		dir, err := os.MkdirTemp("", "benchalt-exe-")
		if err != nil {
			return benchalt.Timing{}, err
		}
		defer os.RemoveAll(dir)
		if a, err = benchalt.CopyExecutables(dir, a); err != nil {
			return benchalt.Timing{}, err
		}
		if b, err = benchalt.CopyExecutables(dir, b); err != nil {
			return benchalt.Timing{}, err
		}
	}
	return benchalt.Commands(pairs, a, b)
}
