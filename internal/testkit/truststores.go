package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// NeedMachineTrust skips a test that changes this machine's own system or
// Java trust store unless it was asked for with LOCALCA_TEST_SYSTEM_TRUST=1
// (.ci/run sets it on its throwaway machine) and runs as root. CI=true and
// root alone never run such a test on a developer's machine. A test that
// runs holds, until it ends, a lock that the other packages' machine trust
// tests wait for (lockMachineTrust).
func NeedMachineTrust(t testing.TB) {
	t.Helper()
	if os.Getenv("LOCALCA_TEST_SYSTEM_TRUST") != "1" {
		t.Skip("changes this machine's trust stores: run as root with LOCALCA_TEST_SYSTEM_TRUST=1 to run it")
	}
	if os.Geteuid() != 0 {
		t.Skip("changes this machine's trust stores: needs root (sudo -E go test with LOCALCA_TEST_SYSTEM_TRUST=1)")
	}
	lockMachineTrust(t)
}

// NSSHome makes a throwaway HOME with an empty NSS database in
// ~/.pki/nssdb, where Chromium on Linux looks, points HOME at it for the
// rest of the test, and returns the database folder.
func NSSHome(t testing.TB) string {
	t.Helper()
	certutil := NeedTool(t, "certutil")
	fakeHome := t.TempDir()
	db := filepath.Join(fakeHome, ".pki", "nssdb")
	if err := os.MkdirAll(db, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(certutil, "-N", "--empty-password", "-d", "sql:"+db).CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v\n%s", err, out)
	}
	t.Setenv("HOME", fakeHome)
	return db
}
