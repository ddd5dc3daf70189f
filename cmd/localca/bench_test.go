package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localca/localca/internal/benchalt"
)

// BenchmarkIssueInProcess is `localca issue NAME --out-dir D` run in a
// process that is already up (the whole command: flags, policy, store open,
// CA load, key, CSR, signature, commit, the two files), alternately with
// `localca --version` run the same way, the command line's own floor
// (internal/benchalt, 21 pairs of b.N runs a side). Its ns/op is what a
// one-shot `localca issue` costs beyond starting the process: the table in
// docs/BENCHMARKS.md puts it beside the process-level rows.
func BenchmarkIssueInProcess(b *testing.B) {
	home, out := filepath.Join(b.TempDir(), "home"), b.TempDir()
	var stderr bytes.Buffer
	cmd := func(args ...string) error {
		stderr.Reset()
		if code := run(append([]string{"localca", "--home", home}, args...), strings.NewReader(""), io.Discard, &stderr); code != 0 {
			return fmt.Errorf("localca %q: exit %d: %s", args, code, stderr.String())
		}
		return nil
	}
	if err := cmd("init", "--no-password"); err != nil {
		b.Fatal(err)
	}
	issued := 0
	benchalt.Bench(b, b.N,
		func(n int) error {
			for range n {
				issued++
				if err := cmd("issue", fmt.Sprintf("h%d.bench.test", issued), "--out-dir", out); err != nil {
					return err
				}
			}
			return nil
		},
		func(n int) error {
			for range n {
				if err := cmd("--version"); err != nil {
					return err
				}
			}
			return nil
		})
}
