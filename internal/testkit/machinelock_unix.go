//go:build unix

package testkit

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// lockMachineTrust holds an exclusive flock(2) on a file in the temporary
// folder until the test ends, so that the machine trust tests of different
// packages, which go test runs as processes side by side, take turns. They
// share state outside any one process: update-ca-certificates' Java hook
// rewrites the JDK's cacerts, and a keytool reading it meanwhile fails with
// "Unrecognized keystore entry". The lock is taken first, so t.Cleanup
// releases it after the test's own uninstalls have run.
func lockMachineTrust(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "localca-test-machine-trust.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatalf("machine trust test lock: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("machine trust test lock: %v", err)
	}
	t.Cleanup(func() { f.Close() }) // closing the file drops the lock
}
