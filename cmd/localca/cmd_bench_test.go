package main

import (
	"encoding/json"
	"testing"
)

// TestBench runs a tiny bench: every row issues its certificates and
// reports rates; bad flags are usage errors.
func TestBench(t *testing.T) {
	h := newHome(t)
	out := h.ok("bench", "--json", "--count", "8", "--key-type", "ed25519", "--callers", "1,4")
	var rows []benchRow
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, out)
	}
	if len(rows) != 2 || rows[0].Callers != 1 || rows[1].Callers != 4 {
		t.Fatalf("rows %+v, want ed25519 with 1 and 4 callers", rows)
	}
	for _, r := range rows {
		if r.Durable <= 0 || r.NoSync <= 0 || r.Count != 8 {
			t.Errorf("row %+v: want positive rates for 8 certificates", r)
		}
	}
	h.fail(2, "--callers", "bench", "--callers", "0")
	h.fail(2, "key type", "bench", "--key-type", "dsa")
	if h.snapshot() != "(no store)" {
		t.Error("bench touched the user's store")
	}
}
