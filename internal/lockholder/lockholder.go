// Package lockholder tells who holds a file lock, where the system says:
// on Linux, /proc/locks names the process of every flock and POSIX lock by
// the file's device and inode. A command that waits for the store's lock
// uses it to say for whom it waits (`pid 4242 "localca list --json"`), so
// that the user can find the paused reader instead of guessing.
package lockholder

import (
	"strconv"
	"strings"
)

// Holder is a process holding a lock on a file.
type Holder struct {
	PID int
	// Command is the process's command line, its arguments joined by
	// spaces; "" when the system does not say (another user's process, a
	// process gone meanwhile).
	Command string
}

// String is "pid N" followed by the quoted command line when known. The
// command line is quoted because it is another process's, possibly another
// user's: it reaches the terminal escaped.
func (h Holder) String() string {
	s := "pid " + strconv.Itoa(h.PID)
	if h.Command != "" {
		s += " " + strconv.Quote(h.Command)
	}
	return s
}

// Describe names the holders of locks on path ("pid 4242 \"localca list\""),
// or says "another process" when the system does not tell.
func Describe(path string) string {
	hs := Of(path)
	if len(hs) == 0 {
		return "another process"
	}
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = h.String()
	}
	return strings.Join(parts, ", ")
}
