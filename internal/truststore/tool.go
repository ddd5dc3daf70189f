package truststore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// runTool runs a store's tool, bounded by toolTimeout, and
// returns its standard output; a failure carries the command and what it said.
func runTool(ctx context.Context, name string, args ...string) ([]byte, error) {
	return runToolAs(ctx, nil, name, args...)
}

// runToolAs is runTool as the user behind sudo (nil: as this
// process).
func runToolAs(ctx context.Context, as *User, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	as.apply(cmd)
	// A tool that leaves a child holding its output would otherwise keep
	// Output waiting; the delay is long because on a loaded machine (the
	// race detector, 2 cores) reading the last output after the tool exits
	// has taken more than a second (CI: ErrWaitDelay from a tool that had
	// done its work).
	cmd.WaitDelay = 10 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		said := strings.TrimSpace(stderr.String() + " " + string(out))
		return out, fmt.Errorf("%s %s: %w: %s", filepath.Base(name), strings.Join(args, " "), err, said)
	}
	return out, nil
}

// writableFile checks that this process may write path without changing
// it: opening for writing and closing changes neither content nor mtime.
func writableFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return rightsError(path, err)
	}
	return f.Close()
}

// writableDir checks that this process may create files in dir, by
// creating and removing an empty one.
func writableDir(dir string) error {
	f, err := os.CreateTemp(dir, ".localca-check-*")
	if err != nil {
		return rightsError(dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func rightsError(path string, err error) error {
	if errors.Is(err, os.ErrPermission) {
		return &needsRootError{why: "cannot write " + path}
	}
	// Not a question of rights as such (a missing folder, a read-only
	// file system), but the fix a user can make is still to run it as
	// the administrator, where the folder exists and is writable.
	return &needsRootError{why: fmt.Sprintf("cannot write %s: %v", path, errors.Unwrap(err))}
}
