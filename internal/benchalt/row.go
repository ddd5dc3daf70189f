package benchalt

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header is the table's head, as docs/BENCHMARKS.md and scripts/bench.sh
// print it; Row formats one line of it.
const Header = "| measure | ours | baseline | median ratio (min-max) | target | met |\n|---|---|---|---|---|---|"

// Row is one line of the table.
type Row struct {
	Measure  string
	Ours     string // e.g. "4.64 ms" or "1316/s"
	Baseline string
	Ratio    Stat
	Target   string // e.g. "<= 0.8" or ">= 0.9"; "" for none
}

// Met says whether the median meets the target: "yes", "NO", or "-" when
// there is no target or it cannot be read.
func (r Row) Met() string {
	op, v, ok := parseTarget(r.Target)
	if !ok {
		return "-"
	}
	var met bool
	switch op {
	case "<=":
		met = r.Ratio.Median <= v
	case ">=":
		met = r.Ratio.Median >= v
	case "<":
		met = r.Ratio.Median < v
	case ">":
		met = r.Ratio.Median > v
	}
	if met {
		return "yes"
	}
	return "NO"
}

// String is the row in the table's markdown form.
func (r Row) String() string {
	target := r.Target
	if target == "" {
		target = "-"
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s | %s |", r.Measure, r.Ours, r.Baseline, r.Ratio, target, r.Met())
}

// parseTarget reads "<= 0.8", ">=0.9", "< 2": an operator and a number.
func parseTarget(s string) (op string, v float64, ok bool) {
	s = strings.TrimSpace(s)
	for _, o := range []string{"<=", ">=", "<", ">"} {
		if rest, found := strings.CutPrefix(s, o); found {
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "x")), 64)
			return o, v, err == nil
		}
	}
	return "", 0, false
}

// Millis formats a duration as the table shows times: "4.64 ms".
func Millis(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}
