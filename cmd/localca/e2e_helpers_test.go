package main

// End-to-end helpers: localca run as its own process (servers, and clients
// whose stdin, exit code or signals matter), talking to real clients (curl,
// openssl, gnutls-cli, socat, dig, nsupdate) over loopback. Every wait is
// bounded; every process started is killed when its test ends.

import (
	"bytes"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/testkit"
)

// localcaExe is the localca binary of these tests: the test binary itself,
// which TestMain turns into localca when LOCALCA_TEST_MAIN=1 (see
// helpers_test.go). It is built once by go test, removed by go test, and
// under -race the servers it runs are race-checked too.
func localcaExe(t testing.TB) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("finding the test binary: %v", err)
	}
	return exe
}

// e2eEnv is the environment of every subprocess: the test's own, minus the
// variables that would point localca at the user's files, plus the switch
// that makes the test binary localca.
func e2eEnv() []string { return testkit.Env("LOCALCA_TEST_MAIN=1") }

// runTool runs a command to completion (at most testkit.ToolTimeout) with
// stdin, and returns its output and exit code; a command that cannot start
// or times out fails the test.
func runTool(t testing.TB, stdin string, name string, args ...string) cliResult {
	t.Helper()
	r := testkit.Run(t, e2eEnv(), stdin, name, args...)
	return cliResult{r.Code, r.Stdout, r.Stderr}
}

// subprocess runs `localca --home DIR ARGS` as its own process, with stdin: for
// clients whose stdin, exit code and signals are part of what is tested.
func (h *home) subprocess(stdin string, args ...string) cliResult {
	h.t.Helper()
	return runTool(h.t, stdin, localcaExe(h.t), append([]string{"--home", h.dir}, args...)...)
}

// in is the same home, seen from a subtest: its failures are the
// subtest's.
func (h *home) in(t *testing.T) *home { return &home{t: t, dir: h.dir, out: h.out} }

// issued is a certificate that `localca issue` wrote.
type issued struct{ cert, key, serial string }

var issuedSerial = regexp.MustCompile(`serial ([0-9a-fA-F]+)`)

// issue runs `localca issue --out-dir DIR FLAGS NAME` (in this process) and
// returns the files and serial it reports.
func (h *home) issue(dir, name string, flags ...string) issued {
	h.t.Helper()
	out := h.ok(append(append([]string{"issue", "--out-dir", dir}, flags...), name)...)
	m := issuedSerial.FindStringSubmatch(out)
	if m == nil {
		h.t.Fatalf("no serial in issue output:\n%s", out)
	}
	base := filepath.Join(dir, ca.FileBase(name))
	return issued{cert: base + ".pem", key: base + "-key.pem", serial: m[1]}
}

// sameSerial compares two hex serials as numbers: the CLI prints them with
// and without leading zeros, in either case.
func sameSerial(a, b string) bool {
	x, ok1 := new(big.Int).SetString(strings.TrimPrefix(strings.ToLower(a), "0x"), 16)
	y, ok2 := new(big.Int).SetString(strings.TrimPrefix(strings.ToLower(b), "0x"), 16)
	return ok1 && ok2 && x.Cmp(y) == 0
}

// lines collects a process's output line by line, for waiting on; it is
// the process's Stdout or Stderr, so exec copies into it and Wait returns
// only once every byte is in.
type lines struct {
	mu      sync.Mutex
	all     []string
	partial []byte
	notify  chan struct{}
}

func newLines() *lines { return &lines{notify: make(chan struct{}, 1)} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.all = append(l.all, string(l.partial[:i]))
		l.partial = l.partial[i+1:]
	}
	l.mu.Unlock()
	select {
	case l.notify <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(append(append([]string(nil), l.all...), string(l.partial)), "\n")
}

// find returns the submatches of the first line from index from on that
// matches re, and the index after it.
func (l *lines) find(from int, re *regexp.Regexp) ([]string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := from; i < len(l.all); i++ {
		if m := re.FindStringSubmatch(l.all[i]); m != nil {
			return m, i + 1
		}
	}
	return nil, from
}

// server is a long-running localca subprocess.
type server struct {
	cmd            *exec.Cmd
	stdin          io.WriteCloser
	stdout, stderr *lines
	done           chan struct{}
	err            error
}

// start starts `localca --home DIR ARGS` and kills it when the test ends,
// if it is still running.
func (h *home) start(args ...string) *server {
	h.t.Helper()
	return startProcess(h.t, localcaExe(h.t), append([]string{"--home", h.dir}, args...)...)
}

// startProcess starts a command whose output the test waits on.
func startProcess(t testing.TB, name string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = e2eEnv()
	cmd.WaitDelay = time.Second
	s := &server{cmd: cmd, done: make(chan struct{}), stdout: newLines(), stderr: newLines()}
	cmd.Stdout, cmd.Stderr = s.stdout, s.stderr
	var err error
	if s.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

var listeningOn = regexp.MustCompile(`^listening on (\S+)`)

// serve starts a localca server and returns it with the address of its
// "listening on ADDR" line.
func (h *home) serve(args ...string) (*server, string) {
	h.t.Helper()
	s := h.start(args...)
	m, _ := s.waitStdout(h.t, 0, listeningOn)
	return s, m[1]
}

// waitStdout waits (at most 30 s, and not past the process's exit) for a
// stdout line from index from on matching re; it returns the submatches and
// the index after the line.
func (s *server) waitStdout(t testing.TB, from int, re *regexp.Regexp) ([]string, int) {
	t.Helper()
	return s.wait(t, s.stdout, from, re, 30*time.Second)
}

func (s *server) wait(t testing.TB, l *lines, from int, re *regexp.Regexp, timeout time.Duration) ([]string, int) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if m, next := l.find(from, re); m != nil {
			return m, next
		}
		select {
		case <-s.done:
			if m, next := l.find(from, re); m != nil {
				return m, next
			}
			t.Fatalf("%s exited (%v) before printing a line matching %q\nstdout:\n%s\nstderr:\n%s", s.cmd.Path, s.err, re, s.stdout, s.stderr)
		case <-l.notify:
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for a line matching %q\nstdout:\n%s\nstderr:\n%s", timeout, re, s.stdout, s.stderr)
		}
	}
}

// signal sends sig to the server.
func (s *server) signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signalling localca: %v", err)
	}
}

// stop sends SIGTERM and checks the server exits 0 within 10 s.
func (s *server) stop(t testing.TB) {
	t.Helper()
	s.signal(t, syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		t.Fatalf("localca did not exit within 10s of SIGTERM\nstdout:\n%s\nstderr:\n%s", s.stdout, s.stderr)
	}
	if s.err != nil {
		t.Errorf("localca exited with %v after SIGTERM, want exit 0\nstdout:\n%s\nstderr:\n%s", s.err, s.stdout, s.stderr)
	}
}

// portOf returns the port of a host:port address.
func portOf(t testing.TB, addr string) string {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		t.Fatalf("no port in %q", addr)
	}
	return addr[i+1:]
}
