package atomicfile

import (
	"bytes"
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteFileFailureMidWrite makes the write itself fail half way (a file
// size limit of 4 KiB, RLIMIT_FSIZE, with SIGXFSZ ignored so write returns
// EFBIG): the old file keeps its content and mode, and the half-written
// temporary file is removed. This is the crash the package exists for, short
// of killing the process: the target is only ever replaced by a complete,
// synced file.
func TestWriteFileFailureMidWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "key.pem")
	old := []byte("old key, whole\n")
	if err := os.WriteFile(p, old, 0o600); err != nil {
		t.Fatal(err)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skipf("getrlimit: %v", err)
	}
	signal.Ignore(syscall.SIGXFSZ)
	defer signal.Reset(syscall.SIGXFSZ)
	small := lim
	small.Cur = 4 << 10
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &small); err != nil {
		t.Skipf("setrlimit: %v", err)
	}
	err := WriteFile(p, bytes.Repeat([]byte("n"), 64<<10), 0o600)
	if rerr := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); rerr != nil {
		t.Fatalf("restoring the file size limit: %v", rerr)
	}
	if !errors.Is(err, syscall.EFBIG) {
		t.Fatalf("WriteFile past the size limit: %v, want EFBIG", err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, old) {
		t.Fatalf("the old file now holds %d bytes %.20q", len(got), got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("left behind: %v", entries)
	}
}
