package issuebench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/localca/localca/ca"
)

// maxCallers bounds a row's concurrent callers.
const maxCallers = 1024

// Table is what `localca bench` measures: a row per key type and caller
// count, in that order, each with the same Count and Pairs.
type Table struct {
	KeyTypes []string
	Callers  []int
	Count    int
	Pairs    int
}

// ParseCallers reads a comma-separated list of caller counts ("1,8,64").
// A count that is not a number from 1 to maxCallers is an error wrapping
// ErrCallersList that quotes it.
func ParseCallers(list string) ([]int, error) {
	var out []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > maxCallers {
			return nil, fmt.Errorf("%q: %w", s, ErrCallersList)
		}
		out = append(out, n)
	}
	return out, nil
}

// ParseKeyTypes reads a comma-separated list of key types
// ("ecdsa-p256,ed25519"); an unknown one is ca.ParseKeyType's error.
func ParseKeyTypes(list string) ([]string, error) {
	var out []string
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if _, err := ca.ParseKeyType(t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// Run measures the table's rows one after the other. before, when not nil,
// is called with each row's options before it runs (to say what runs: a
// row takes seconds).
func (t Table) Run(before func(Options)) ([]Row, error) {
	var rows []Row
	for _, kt := range t.KeyTypes {
		for _, n := range t.Callers {
			o := Options{KeyType: kt, Callers: n, Count: t.Count, Pairs: t.Pairs}
			if before != nil {
				before(o)
			}
			row, err := Run(o)
			if err != nil {
				return rows, err
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// WriteTable writes rows as `localca bench` prints them: a right-aligned
// table, a row per key type and caller count, the ratio with its minimum
// and maximum.
func WriteTable(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "key type\tcallers\tdurable/s\twithout fsync/s\tratio (min-max)\tpairs\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%.2f (%.2f-%.2f)\t%d\t\n", r.KeyType, r.Callers, r.Durable, r.NoSync, r.Ratio, r.RatioMin, r.RatioMax, r.Pairs)
	}
	return tw.Flush()
}
