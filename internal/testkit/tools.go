package testkit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// ToolTimeout bounds one run of an outside tool (longer under the race
// detector, where the server the tool talks to runs several times slower).
const ToolTimeout = 20 * time.Second * RaceFactor

// NeedTool returns the path of an outside tool the test runs. A missing
// tool fails the test on CI (CI=true), where every tool must be installed,
// and skips it elsewhere.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (CI=true needs it): %v", name, err)
		}
		t.Skipf("%s is not installed: %v", name, err)
	}
	return p
}

// Env is this process's environment minus every LOCALCA_* variable (so a
// tool or a localca subprocess never reads the developer's own home, store
// or policy), plus extra.
func Env(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LOCALCA_") {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

// StripEnv unsets every LOCALCA_* variable of this process except those
// named in keep and the LOCALCA_TEST_* switches that select tests. A
// TestMain calls it before m.Run so that in-process runs of the CLI are as
// hermetic as subprocesses.
func StripEnv(keep ...string) {
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "LOCALCA_") && !strings.HasPrefix(k, "LOCALCA_TEST_") && !contains(keep, k) {
			os.Unsetenv(k)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Result is one finished run of a command.
type Result struct {
	Code           int
	Stdout, Stderr string
	Err            error // the exit error, nil on exit 0
}

// Output is what the command printed, stdout then stderr.
func (r Result) Output() string { return r.Stdout + r.Stderr }

func (r Result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// Run runs name (a tool looked up with NeedTool, or a path) to completion,
// at most ToolTimeout, with stdin and the environment env (Env() when nil).
// A command that cannot start or times out fails the test; a non-zero exit
// is the caller's to judge.
func Run(t testing.TB, env []string, stdin, name string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ToolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, NeedTool(t, name), args...)
	if env == nil {
		env = Env()
	}
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	r := Result{Stdout: out.String(), Stderr: errb.String(), Err: err}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s %q: timed out after %s\n%s", name, args, ToolTimeout, r)
	case errors.As(err, &ee):
		r.Code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%s %q: %v", name, args, err)
	}
	return r
}

// MustRun runs a tool with no input and fails the test, with its output,
// when it exits non-zero. It returns stdout and stderr together.
func MustRun(t testing.TB, name string, args ...string) string {
	t.Helper()
	r := Run(t, nil, "", name, args...)
	if r.Code != 0 {
		t.Fatalf("%s %q: %v\n%s", name, args, r.Err, r.Output())
	}
	return r.Output()
}

// RunUntil runs a tool that reads its stdin interactively: it writes input,
// and keeps stdin open until the output contains want (or the tool exits,
// or ToolTimeout passes), so that tools which quit on end of input still
// read the reply. It returns everything the tool printed and its exit error.
func RunUntil(t testing.TB, input, want, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ToolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, NeedTool(t, name), args...)
	cmd.Env = Env()
	out := NewBuffer()
	cmd.Stdout, cmd.Stderr = out, out
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	io.WriteString(stdin, input)
	for !strings.Contains(out.String(), want) {
		select {
		case err := <-exited:
			return out.String(), err
		case <-out.notify:
		case <-ctx.Done():
			stdin.Close()
			return out.String(), fmt.Errorf("%s: no %q within %s: %w", name, want, ToolTimeout, <-exited)
		}
	}
	stdin.Close()
	return out.String(), <-exited
}
