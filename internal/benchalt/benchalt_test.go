package benchalt

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestStat(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name           string
		pairs          []Pair
		ratio, speedup Stat
	}{
		{"odd", []Pair{{1 * ms, 2 * ms}, {3 * ms, 3 * ms}, {4 * ms, 1 * ms}}, Stat{1, 0.5, 4}, Stat{1, 0.25, 2}},
		{"even", []Pair{{1 * ms, 2 * ms}, {2 * ms, 2 * ms}, {3 * ms, 2 * ms}, {4 * ms, 2 * ms}}, Stat{1.25, 0.5, 2}, Stat{5.0 / 6, 0.5, 2}},
		{"empty", nil, Stat{}, Stat{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Result{Pairs: tc.pairs}
			if got := r.Ratio(); !near(got, tc.ratio) {
				t.Errorf("Ratio = %+v, want %+v", got, tc.ratio)
			}
			if got := r.Speedup(); !near(got, tc.speedup) {
				t.Errorf("Speedup = %+v, want %+v", got, tc.speedup)
			}
		})
	}
}

func near(a, b Stat) bool {
	d := func(x, y float64) bool { return x-y < 1e-9 && y-x < 1e-9 }
	return d(a.Median, b.Median) && d(a.Min, b.Min) && d(a.Max, b.Max)
}

func TestRowMet(t *testing.T) {
	for _, tc := range []struct {
		target string
		median float64
		want   string
	}{
		{"<= 0.8", 0.8, "yes"},
		{"<= 0.8", 0.81, "NO"},
		{">= 0.9", 0.95, "yes"},
		{">=0.9", 0.5, "NO"},
		{"< 2", 2, "NO"},
		{"> 1.8x", 2.1, "yes"},
		{"", 1, "-"},
		{"light", 1, "-"},
	} {
		r := Row{Measure: "m", Target: tc.target, Ratio: Stat{Median: tc.median}}
		if got := r.Met(); got != tc.want {
			t.Errorf("target %q, median %v: Met = %q, want %q", tc.target, tc.median, got, tc.want)
		}
	}
	r := Row{Measure: "issue vs hello", Ours: "4.00 ms", Baseline: "2.00 ms", Ratio: Stat{2, 1.5, 2.5}, Target: "<= 1.8"}
	if want := "| issue vs hello | 4.00 ms | 2.00 ms | 2.00 (1.50-2.50) | <= 1.8 | NO |"; r.String() != want {
		t.Errorf("String = %q, want %q", r.String(), want)
	}
}

// TestFuncsAlternates checks the order of the calls (a warm-up pair, then
// A B A B ...) and the operations per call.
func TestFuncsAlternates(t *testing.T) {
	var calls []string
	side := func(name string) func(int) error {
		return func(n int) error {
			calls = append(calls, name+strconv.Itoa(n))
			return nil
		}
	}
	res, err := Funcs(0, 3, side("a"), side("b"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pairs) != DefaultPairs {
		t.Errorf("%d pairs, want %d", len(res.Pairs), DefaultPairs)
	}
	if want := strings.Repeat("a3 b3 ", DefaultPairs+1); strings.Join(calls, " ")+" " != want {
		t.Errorf("calls %v, want %q", calls, want)
	}
}

func TestFuncsErrors(t *testing.T) {
	ok := func(int) error { return nil }
	boom := errors.New("boom")
	for _, tc := range []struct {
		name  string
		pairs int
		n     int
		b     func(int) error
		want  error
	}{
		{"too few pairs", 19, 1, ok, ErrTooFewPairs},
		{"no operations", 20, 0, ok, ErrNoOperations},
		{"side fails", 20, 1, func(int) error { return boom }, boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Funcs(tc.pairs, tc.n, ok, tc.b); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestCommands runs real processes: each side touches a file named for its
// run, so the files left say which runs happened, and a failing command's
// standard error reaches the error.
func TestCommands(t *testing.T) {
	dir := t.TempDir()
	touch := func(prefix string) Side {
		return Side{{Args: []string{"touch", prefix + "{i}"}, Dir: dir}}
	}
	tm, err := Commands(MinPairs, touch("a"), touch("b"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tm.Wall.Pairs) != MinPairs || len(tm.CPU.Pairs) != MinPairs {
		t.Fatalf("%d wall and %d CPU pairs, want %d", len(tm.Wall.Pairs), len(tm.CPU.Pairs), MinPairs)
	}
	for i := 0; i <= MinPairs; i++ {
		for _, p := range []string{"a", "b"} {
			if _, err := os.Stat(filepath.Join(dir, p+strconv.Itoa(i))); err != nil {
				t.Errorf("run %d of side %s: %v", i, p, err)
			}
		}
	}
	for _, p := range tm.Wall.Pairs {
		if p.A <= 0 || p.B <= 0 {
			t.Fatalf("a pair without a time: %+v", p)
		}
	}
	_, err = Commands(MinPairs, touch("c"), Side{{Args: []string{"sh", "-c", "echo nope >&2; exit 3"}}})
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("failing side: err = %v, want its standard error in it", err)
	}
	if _, err := Commands(MinPairs, touch("d"), nil); !errors.Is(err, ErrNoCommand) {
		t.Errorf("empty side: err = %v, want ErrNoCommand", err)
	}
}

// TestParallel counts the calls per worker: n in all, each worker's index in
// range, and an error ends the run.
func TestParallel(t *testing.T) {
	for _, callers := range []int{1, 3, 64} {
		counts := make([]int, callers)
		if err := Parallel(callers, 1000, func(w int) error { counts[w]++; return nil }); err != nil {
			t.Fatal(err)
		}
		sum := 0
		for _, c := range counts {
			sum += c
		}
		if sum != 1000 {
			t.Errorf("%d callers: %d calls, want 1000", callers, sum)
		}
	}
	boom := errors.New("boom")
	if err := Parallel(4, 100, func(int) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
}

// TestCopyExecutables copies a program from PATH and runs the copy: same
// bytes, executable, the other arguments kept.
func TestCopyExecutables(t *testing.T) {
	dir := t.TempDir()
	s, err := CopyExecutables(dir, Side{{Args: []string{"touch", filepath.Join(dir, "made")}}})
	if err != nil {
		t.Fatal(err)
	}
	orig, _ := exec.LookPath("touch")
	a, _ := os.ReadFile(orig)
	b, err := os.ReadFile(s[0].Args[0])
	if err != nil || !bytes.Equal(a, b) || filepath.Dir(s[0].Args[0]) != dir || s[0].Args[1] != filepath.Join(dir, "made") {
		t.Fatalf("copy %q of %s: %v, same bytes %v", s[0].Args, orig, err, bytes.Equal(a, b))
	}
	if _, err := Commands(MinPairs, s, s); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "made")); err != nil {
		t.Errorf("the copy did not run: %v", err)
	}
	if _, err := CopyExecutables(dir, Side{{Args: []string{"no-such-program-here"}}}); err == nil {
		t.Error("copying a missing program succeeded")
	}
}
