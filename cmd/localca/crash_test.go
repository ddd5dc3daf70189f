package main

// Crash tests: a localca process that issues (or revokes) in a loop is
// killed with SIGKILL at random moments, round after round. After each kill
// the store must open at once (the lock died with the process), pass
// bbolt's consistency check, and hold everything the process had reported
// or written: "nothing acknowledged is ever lost".

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// crashLoopEnv switches the test binary into a loop of localca commands
// (see crashLoop); TestMain checks it.
const crashLoopEnv = "LOCALCA_TEST_CRASH_LOOP"

// crashLoop is the child of the crash tests. It runs the real CLI (run, as
// main does) once per argument, in one process, with --home from
// $LOCALCA_HOME:
//
//	issue:  localca issue --out-dir DIR ARG   for each ARG after DIR
//	revoke: localca revoke ARG                for each ARG
//
// and after each command that exits 0 prints "done ARG" on stdout: a line
// the parent sees only once the command returned, so its certificate or
// revocation is acknowledged. A command that fails (a revocation repeated
// after a kill) is reported on stderr and the loop goes on.
func crashLoop(mode string, args []string) int {
	home := os.Getenv("LOCALCA_HOME")
	var prefix []string
	switch mode {
	case "issue":
		if len(args) == 0 {
			fmt.Fprintln(os.Stderr, "crash loop: issue needs an output folder")
			return 2
		}
		prefix, args = []string{"issue", "--out-dir", args[0]}, args[1:]
	case "revoke":
		prefix = []string{"revoke"}
	default:
		fmt.Fprintf(os.Stderr, "crash loop: unknown mode %q\n", mode)
		return 2
	}
	for _, a := range args {
		cmd := append([]string{"localca", "--home", home}, prefix...)
		if code := run(append(cmd, a), strings.NewReader(""), io.Discard, os.Stderr); code != 0 {
			fmt.Fprintf(os.Stderr, "crash loop: %s %s: exit %d\n", mode, a, code)
			continue
		}
		// One write(2) of a whole line: the parent never sees half of it
		// as acknowledged.
		os.Stdout.WriteString("done " + a + "\n")
	}
	return 0
}

// crashRounds is how many times each crash test kills its child.
const crashRounds = 15

// crashRNG is the seeded source of a crash test's kill delays; the seed is
// logged, and LOCALCA_CRASH_SEED replays a run.
func crashRNG(t *testing.T) *rand.Rand {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LOCALCA_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("LOCALCA_CRASH_SEED: %v", err)
		}
	}
	t.Logf("crash seed %d (LOCALCA_CRASH_SEED=%d replays the kill delays)", seed, seed)
	return rand.New(rand.NewPCG(seed, seed))
}

// killAfter runs the crash loop as a child process, SIGKILLs it after
// delay (or lets it finish, bounded), and returns the arguments it
// reported done.
func killAfter(t *testing.T, h *home, delay time.Duration, mode string, args ...string) []string {
	t.Helper()
	cmd := exec.Command(localcaExe(t), args...)
	cmd.Env = append(e2eEnv(), crashLoopEnv+"="+mode, "LOCALCA_HOME="+h.dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-time.After(delay):
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Logf("kill: %v (the loop had finished)", err)
		}
		<-done
	case err := <-done:
		if err != nil {
			t.Fatalf("the crash loop failed before it was killed: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("the crash loop did not finish")
	}
	// A line cut by the kill is no acknowledgement: read up to the last
	// newline only.
	data := stdout.Bytes()
	data = data[:bytes.LastIndexByte(data, '\n')+1]
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if a, ok := strings.CutPrefix(line, "done "); ok {
			out = append(out, a)
		}
	}
	return out
}

// openAfterKill opens the store the killed child used, at the first try
// (bbolt gives up without retrying when the lock is taken and the timeout
// is shorter than its retry interval): the kernel drops a dead process's
// flock, so a crash never leaves the store locked. It must also pass
// bbolt's consistency check.
func openAfterKill(t *testing.T, h *home) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(h.dir, "localca.db"), &store.Options{Timeout: time.Millisecond})
	if err != nil {
		t.Fatalf("the store does not open at once after a kill: %v", err)
	}
	if err := st.Check(); err != nil {
		st.Close()
		t.Fatalf("after a kill: %v", err)
	}
	return st
}

// TestCrashWhileIssuing kills `localca issue` running in a loop at random
// moments. Every certificate the loop acknowledged, and every certificate
// file it wrote (acknowledged or not: the kill may fall between the file and
// the line), is in the store with the same DER.
func TestCrashWhileIssuing(t *testing.T) {
	rng := crashRNG(t)
	h := newHome(t)
	h.initCA()
	acked := 0
	var late time.Duration
	for round := range crashRounds {
		names := []string{h.out}
		for i := range 200 {
			names = append(names, fmt.Sprintf("r%d-%d.crash.test", round, i))
		}
		delay := late + time.Duration(20+rng.IntN(200))*time.Millisecond
		done := killAfter(t, h, delay, "issue", names...)
		acked += len(done)
		if len(done) == 0 {
			late += 100 * time.Millisecond // a loaded machine starts the child slowly
		}

		st := openAfterKill(t, h)
		for _, n := range done {
			if !fileExists(filepath.Join(h.out, ca.FileBase(n)+".pem")) {
				t.Errorf("round %d: %s was acknowledged without its certificate file", round, n)
			}
		}
		files, err := filepath.Glob(filepath.Join(h.out, fmt.Sprintf("r%d-*.crash.test.pem", round)))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) < len(done) {
			t.Errorf("round %d: %d acknowledged, %d certificate files", round, len(done), len(files))
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			leaf := certs(t, data)[0]
			rec, err := st.Cert(leaf.SerialNumber.Bytes())
			if err != nil {
				t.Errorf("round %d: %s holds serial %x, which the store lacks: %v", round, filepath.Base(f), leaf.SerialNumber, err)
			} else if !bytes.Equal(rec.DER, leaf.Raw) {
				t.Errorf("round %d: %s differs from the stored certificate %x", round, filepath.Base(f), leaf.SerialNumber)
			}
		}
		st.Close()
		t.Logf("round %d: killed after %s, %d acknowledged, %d files", round, delay, len(done), len(files))
	}
	if acked == 0 {
		t.Errorf("no round acknowledged a certificate: the kills all came too early to test anything")
	}
}

// TestCrashWhileRevoking kills `localca revoke` running in a loop over
// issued certificates at random moments: every revocation it acknowledged
// is in the store.
func TestCrashWhileRevoking(t *testing.T) {
	rng := crashRNG(t)
	h := newHome(t)
	h.initCA()
	st, err := store.Open(filepath.Join(h.dir, "localca.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ca.Load(st, ca.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Enough certificates that most rounds are killed mid-loop, issued from
	// many goroutines so that group commit makes it quick.
	todo := make([]string, 600)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := w; i < len(todo); i += 16 {
				iss, err := c.Issue(ca.IssueRequest{Names: []string{fmt.Sprintf("v%d.crash.test", i)}})
				if err != nil {
					t.Error(err)
					return
				}
				todo[i] = iss.Record.SerialHex()
			}
		})
	}
	wg.Wait()
	st.Close()
	if t.Failed() {
		t.FailNow()
	}

	var revoked []string
	var late time.Duration
	for round := 0; round < crashRounds && len(todo) > 0; round++ {
		delay := late + time.Duration(5+rng.IntN(50))*time.Millisecond
		done := killAfter(t, h, delay, "revoke", todo...)
		revoked = append(revoked, done...)
		if len(done) == 0 {
			late += 100 * time.Millisecond // a loaded machine starts the child slowly
		}
		st := openAfterKill(t, h)
		for _, s := range revoked {
			serial, err := ca.ParseSerial(s)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := st.Cert(serial)
			if err != nil || rec.Status != store.CertRevoked {
				t.Errorf("round %d: revocation of %s was acknowledged, the store has %+v, %v", round, s, rec, err)
			}
		}
		// The next round goes on with what is not revoked yet, found in the
		// store (the kill may have come after a revocation and before its
		// line).
		var left []string
		for _, s := range todo {
			serial, _ := ca.ParseSerial(s)
			if rec, err := st.Cert(serial); err == nil && rec.Status != store.CertRevoked {
				left = append(left, s)
			}
		}
		st.Close()
		t.Logf("round %d: killed after %s, %d acknowledged, %d left", round, delay, len(done), len(left))
		todo = left
	}
	if len(revoked) == 0 {
		t.Errorf("no round acknowledged a revocation: the kills all came too early to test anything")
	}
}
