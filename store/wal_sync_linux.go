package store

import (
	"os"
	"syscall"
)

// fdatasync flushes f's data and the metadata needed to read it back (its
// size), not its times: a log entry written over blocks the file already
// has costs no journal commit.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
