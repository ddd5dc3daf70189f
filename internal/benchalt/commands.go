package benchalt

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Command is one process of a side. "{i}" in an argument becomes the
// number of the run (0 for the warm-up, then 1 to pairs), so that each run
// can name a new certificate or file.
type Command struct {
	Args []string
	Dir  string   // "" runs in the current folder
	Env  []string // nil: this process's environment
}

// Side is the processes one side runs, one after the other, per pair: one
// for `localca issue` or `cfssl gencert`, three for openssl's genpkey, req
// and x509 -req.
type Side []Command

// Timing is an alternated run of processes measured two ways: wall time
// (what a user waits) and CPU time (user + system of the processes, which
// moves less with the machine's load).
type Timing struct {
	Wall, CPU Result
}

// Commands runs side a, then side b, pairs times (at least MinPairs; 0 means
// DefaultPairs), after one warm-up pair that is not counted (it fills the
// page cache). Each command's standard output is discarded and its
// standard error kept for the message if it fails; a failing command ends
// the run with an error.
func Commands(pairs int, a, b Side) (Timing, error) {
	if pairs == 0 {
		pairs = DefaultPairs
	}
	if pairs < MinPairs {
		return Timing{}, fmt.Errorf("benchalt: %d pairs: %w", pairs, ErrTooFewPairs)
	}
	if len(a) == 0 || len(b) == 0 {
		return Timing{}, fmt.Errorf("benchalt: %w on a side", ErrNoCommand)
	}
	// Standard error goes to a file, not a pipe: a pipe would need a
	// goroutine copying it while the child runs, in the middle of the timing.
	errf, err := os.CreateTemp("", "benchalt-stderr-")
	if err != nil {
		return Timing{}, err
	}
	defer os.Remove(errf.Name())
	defer errf.Close()
	var t Timing
	for i := 0; i <= pairs; i++ {
		wa, ca, err := runSide(a, i, errf)
		if err != nil {
			return Timing{}, err
		}
		wb, cb, err := runSide(b, i, errf)
		if err != nil {
			return Timing{}, err
		}
		if i > 0 {
			t.Wall.Pairs = append(t.Wall.Pairs, Pair{A: wa, B: wb})
			t.CPU.Pairs = append(t.CPU.Pairs, Pair{A: ca, B: cb})
		}
	}
	return t, nil
}

// runSide runs the commands of one side for run i and returns their wall
// time and CPU time, summed.
func runSide(s Side, i int, errf *os.File) (wall, cpu time.Duration, err error) {
	for _, c := range s {
		if len(c.Args) == 0 {
			return 0, 0, fmt.Errorf("benchalt: %w", ErrNoCommand)
		}
		args := make([]string, len(c.Args))
		for j, a := range c.Args {
			args[j] = strings.ReplaceAll(a, "{i}", strconv.Itoa(i))
		}
		if err := errf.Truncate(0); err != nil {
			return 0, 0, err
		}
		if _, err := errf.Seek(0, io.SeekStart); err != nil {
			return 0, 0, err
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir, cmd.Env, cmd.Stderr = c.Dir, c.Env, errf
		start := time.Now()
		err := cmd.Run()
		wall += time.Since(start)
		if err != nil {
			msg, _ := os.ReadFile(errf.Name())
			return 0, 0, fmt.Errorf("benchalt: %q: %w: %s", args, err, strings.TrimSpace(string(msg)))
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return wall, cpu, nil
}

// CopyExecutables copies the program of every command of s (its first
// argument, looked up in PATH) into dir with a plain read and write, and
// returns s running the copies. Why: how an executable came into the page
// cache changes what its start costs. Here a binary fresh from the Go linker
// started with 1.15x the CPU time of a cp copy of itself (A/A test, 301
// pairs), while two cp copies of one binary gave 0.99: comparing a
// just-built localca with a peer installed by dpkg, or two builds made at
// different times, measured that difference too. Copied the same way, every
// side starts from the same kind of page-cache state.
func CopyExecutables(dir string, s Side) (Side, error) {
	out := make(Side, len(s))
	for i, c := range s {
		if len(c.Args) == 0 {
			return nil, fmt.Errorf("benchalt: %w", ErrNoCommand)
		}
		path, err := exec.LookPath(c.Args[0])
		if err != nil {
			return nil, fmt.Errorf("benchalt: %w", err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("benchalt: %w", err)
		}
		f, err := os.CreateTemp(dir, "exe-*-"+filepath.Base(path))
		if err != nil {
			return nil, fmt.Errorf("benchalt: %w", err)
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Chmod(f.Name(), 0o755)
		}
		if err != nil {
			return nil, fmt.Errorf("benchalt: copying %s: %w", path, err)
		}
		out[i] = c
		out[i].Args = append([]string{f.Name()}, c.Args[1:]...)
	}
	return out, nil
}
