//go:build linux

package main

// Parallel and paused commands: a script that runs localca in parallel, or
// a reader paused on a full pipe, must make other commands wait a moment at
// most, never fail. Each command runs as its own process (the test binary
// as localca), since the store's lock is a lock between processes.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/localca/localca/internal/testkit"
)

// TestParallelIssue: 64 `localca issue` processes started together on one
// home all succeed, on a CA without a password and on one whose keys each
// process decrypts (the store was held while the key was decrypted: 55 of
// 64 failed with "store in use").
//
// Under the race detector 16 processes contend instead of 64 (each is
// several times slower there, and 64 of them outrun a 2-core machine's
// time limit): the lock is as contended, with fewer bystanders.
func TestParallelIssue(t *testing.T) {
	const procs = 64 / testkit.RaceFactor
	for _, tc := range []struct {
		name     string
		password bool
	}{{"no password", false}, {"password", true}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHome(t)
			var extra []string
			if tc.password {
				pw := h.write("pw", []byte("parallel secret\n"))
				h.ok("init", "--password-file", pw)
				extra = []string{"--password-file", pw}
			} else {
				h.ok("init", "--no-password")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute*testkit.RaceFactor)
			defer cancel()
			results := make([]cliResult, procs)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range procs {
				wg.Go(func() {
					args := append([]string{"--home", h.dir, "issue", "--out-dir", h.out}, extra...)
					cmd := exec.CommandContext(ctx, localcaExe(t), append(args, fmt.Sprintf("p%d.parallel.test", i))...)
					cmd.Env = e2eEnv()
					var out, errb strings.Builder
					cmd.Stdout, cmd.Stderr = &out, &errb
					<-start
					err := cmd.Run()
					results[i] = cliResult{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errb.String()}
					if err != nil && results[i].code == 0 {
						results[i].code = -1
					}
				})
			}
			close(start)
			wg.Wait()
			failed := 0
			for i, r := range results {
				if r.code != 0 {
					failed++
					if failed <= 3 {
						t.Errorf("issue %d of %d: %s", i, procs, r)
					}
				}
			}
			if failed > 0 {
				t.Fatalf("%d of %d parallel issue runs failed", failed, procs)
			}
			if n := len(h.listJSON()); n != procs {
				t.Fatalf("the store lists %d certificates, want %d", n, procs)
			}
		})
	}
}

// TestPausedReaderBlocksNobody: a command whose output nobody reads yet
// (`localca list --json | less` on a long list, `list | sleep 15`) blocks on
// the full pipe; it must not hold the store meanwhile, so `issue` beside it
// succeeds at once. The reader then gets the whole list.
func TestPausedReaderBlocksNobody(t *testing.T) {
	h := newHome(t)
	h.ok("init", "--no-password")
	// About 150 certificates of 20 names each: well over the 64 KiB a pipe
	// holds, in either form.
	const certs = 150
	for i := range certs {
		names := []string{"issue", "--out-dir", t.TempDir()}
		for j := range 20 {
			names = append(names, fmt.Sprintf("n%02d.c%03d.paused.test", j, i))
		}
		h.ok(names...)
	}
	for _, args := range [][]string{{"list", "--json"}, {"list"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			cmd := exec.Command(localcaExe(t), append([]string{"--home", h.dir}, args...)...)
			cmd.Env = e2eEnv()
			cmd.Stdout = w
			var errb strings.Builder
			cmd.Stderr = &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w.Close()
			t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			waitPipeFull(t, r)

			name := "beside." + strings.ReplaceAll(strings.Join(args, "-"), "--", "") + ".test"
			res := h.subprocess("", "issue", "--out-dir", h.out, name)
			if res.code != 0 || strings.Contains(res.stderr, "waiting") {
				t.Fatalf("issue beside a paused %q: %s", args, res)
			}

			out, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("%q: %v\n%s", args, err, errb.String())
			}
			if args[len(args)-1] == "--json" {
				var list []certInfo
				if err := json.Unmarshal(out, &list); err != nil || len(list) < certs {
					t.Fatalf("the paused list --json gave %d certificates (%v)", len(list), err)
				}
			} else if n := strings.Count(string(out), "\n"); n < certs+1 {
				t.Fatalf("the paused list gave %d lines", n)
			}
		})
	}
}

// waitPipeFull waits until the pipe r reads from is full: it holds most of
// the 64 KiB a Linux pipe takes (a large write leaves the last page part
// empty) and no more comes. Its writer is then blocked in write(2).
func waitPipeFull(t *testing.T, r *os.File) {
	t.Helper()
	const fionread = 0x541B
	deadline := time.Now().Add(testkit.ToolTimeout)
	last, still := int32(-1), 0
	for {
		var n int32
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, r.Fd(), fionread, uintptr(unsafe.Pointer(&n))); errno != 0 {
			t.Fatalf("FIONREAD: %v", errno)
		}
		if n == last && n >= 48<<10 {
			if still++; still == 5 {
				return
			}
		} else {
			last, still = n, 0
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pipe holds %d bytes after %s; the writer never filled it", n, testkit.ToolTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
