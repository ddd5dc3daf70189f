package issuebench

import (
	"errors"
	"testing"
)

// TestRun measures a tiny row: both sides issue, the rates and ratios are
// positive and ordered, and every pair counted.
func TestRun(t *testing.T) {
	row, err := Run(Options{KeyType: "ed25519", Callers: 2, Count: 20, Pairs: 20, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if row.Pairs != 20 || row.PerPair != 8 || row.Issued != 8*21 {
		t.Errorf("row %+v: want 20 pairs of 8 certificates (4 per caller) and a warm-up pair", row)
	}
	if row.Durable <= 0 || row.NoSync <= 0 || !(row.RatioMin <= row.Ratio && row.Ratio <= row.RatioMax) || row.RatioMin <= 0 {
		t.Errorf("row %+v: want positive rates and min <= median <= max", row)
	}
}

func TestRunRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    Options
	}{
		{"no callers", Options{KeyType: "ed25519"}},
		{"bad key type", Options{KeyType: "dsa", Callers: 1}},
		{"too few pairs", Options{KeyType: "ed25519", Callers: 1, Pairs: 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Run(tc.o); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, err := Run(Options{KeyType: "ed25519"}); !errors.Is(err, ErrCallers) {
		t.Errorf("err = %v, want ErrCallers", err)
	}
}
