package main

import (
	"encoding/json"
	"testing"

	"github.com/localca/localca/ca/issuebench"
)

// TestBench runs a tiny bench: every row alternates its two sides 20 times
// and reports rates and ratios; bad flags are usage errors.
func TestBench(t *testing.T) {
	h := newHome(t)
	out := h.ok("bench", "--json", "--count", "8", "--pairs", "20", "--key-type", "ed25519", "--callers", "1,4")
	var rows []issuebench.Row
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, out)
	}
	if len(rows) != 2 || rows[0].Callers != 1 || rows[1].Callers != 4 {
		t.Fatalf("rows %+v, want ed25519 with 1 and 4 callers", rows)
	}
	for _, r := range rows {
		if r.Durable <= 0 || r.NoSync <= 0 || r.Pairs != 20 || r.RatioMin > r.Ratio || r.Ratio > r.RatioMax {
			t.Errorf("row %+v: want positive rates from 20 pairs, min <= ratio <= max", r)
		}
	}
	h.fail(2, "--callers", "bench", "--callers", "0")
	h.fail(2, "key type", "bench", "--key-type", "dsa")
	h.fail(2, "--pairs", "bench", "--pairs", "5")
	if h.snapshot() != "(no store)" {
		t.Error("bench touched the user's store")
	}
}
