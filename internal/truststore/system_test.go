package truststore

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// fakeSystem is a system store in a folder of the test's own: an anchors
// folder, and an update command (a shell script) that rebuilds the bundle
// from it the way update-ca-certificates does, and counts its runs.
type fakeSystem struct {
	store          *systemStore
	dir, ranMarker string
}

func newFakeSystem(t *testing.T, dir string) fakeSystem {
	t.Helper()
	base := t.TempDir()
	ran := filepath.Join(base, "ran")
	bundle := filepath.Join(base, "bundle.crt")
	update := filepath.Join(base, "update")
	script := fmt.Sprintf("#!/bin/sh\ncat %q/*.crt > %q 2>/dev/null\necho ran >> %q\n", dir, bundle, ran)
	if err := os.WriteFile(update, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return fakeSystem{
		store:     &systemStore{dir: dir, bundle: bundle, update: []string{update}},
		dir:       dir,
		ranMarker: ran,
	}
}

// runs is how many times the update command ran.
func (f fakeSystem) runs(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile(f.ranMarker)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "ran")
}

// testRoot is a fresh root certificate.
func testRoot(t *testing.T) *x509.Certificate {
	t.Helper()
	return testkit.NewPKI(t, "truststore test").Root
}

// TestTrustSystemStoreSteps drives the system store's logic against a
// folder of the test's own: install writes the file and runs the update,
// a second install changes nothing (same mtime, no update run), status
// finds the root by fingerprint in the bundle, and uninstall removes the
// file only when it holds exactly our root.
func TestTrustSystemStoreSteps(t *testing.T) {
	ctx := context.Background()
	root := testRoot(t)
	f := newFakeSystem(t, t.TempDir())
	stores := []Store{f.store}
	file := f.store.file(root)

	r, err := Run(ctx, "install", root, stores, true)
	if err != nil {
		t.Fatalf("install: %v", err)
	}
	if s := oneStep(t, r, "system", "installed"); s.Detail != "wrote "+file+", ran update" || !s.Changed {
		t.Errorf("install says %+v, want it to name the file written and the update run", s)
	}
	info, err := os.Stat(file)
	if err != nil {
		t.Fatalf("install wrote no file: %v", err)
	}
	r, err = Run(ctx, "status", root, stores, true)
	if err != nil {
		t.Fatal(err)
	}
	if oneStep(t, r, "system", "trusted"); r.SHA256 != Fingerprint(root) {
		t.Errorf("status fingerprint %s, want %s", r.SHA256, Fingerprint(root))
	}

	// An hour back: a rewrite would set the mtime to now, whatever the
	// file system's timestamp granularity.
	past := info.ModTime().Add(-time.Hour)
	if err := os.Chtimes(file, past, past); err != nil {
		t.Fatal(err)
	}
	if info, err = os.Stat(file); err != nil {
		t.Fatal(err)
	}
	if r, err = Run(ctx, "install", root, stores, true); err != nil {
		t.Fatalf("second install: %v", err)
	}
	if s := oneStep(t, r, "system", "already trusted"); s.Changed || !strings.Contains(s.Detail, "nothing changed") {
		t.Errorf("second install says %+v", s)
	}
	if again, _ := os.Stat(file); !again.ModTime().Equal(info.ModTime()) {
		t.Errorf("second install rewrote %s", file)
	}
	if n := f.runs(t); n != 1 {
		t.Errorf("update ran %d times after two installs, want 1", n)
	}

	if r, err = Run(ctx, "uninstall", root, stores, true); err != nil {
		t.Fatalf("uninstall: %v", err)
	}
	if s := oneStep(t, r, "system", "removed"); s.Detail != "removed "+file+", ran update" {
		t.Errorf("uninstall says %q, want the file removed and the update run", s.Detail)
	}
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("uninstall left %s: %v", file, err)
	}
	r, _ = Run(ctx, "status", root, stores, true)
	oneStep(t, r, "system", "not trusted")

	// Another certificate under our file name is not ours to remove.
	other := testRoot(t)
	if err := os.WriteFile(file, rootPEM(other), 0o644); err != nil {
		t.Fatal(err)
	}
	runsBefore := f.runs(t)
	if r, err = Run(ctx, "uninstall", root, stores, true); err != nil {
		t.Fatalf("uninstall beside another certificate: %v", err)
	}
	if s := oneStep(t, r, "system", "not installed"); !strings.Contains(s.Detail, "another certificate") {
		t.Errorf("uninstall does not report the other certificate: %+v", s)
	}
	if b, _ := os.ReadFile(file); string(b) != string(rootPEM(other)) || f.runs(t) != runsBefore {
		t.Errorf("uninstall changed the other certificate's file or ran the update")
	}
	if _, err := Run(ctx, "install", root, stores, true); err == nil || !strings.Contains(err.Error(), "another certificate") {
		t.Errorf("install over another certificate: want a refusal, got %v", err)
	}
}

// TestTrustNeedsRights: when the system store cannot be written, install
// says it needs root and changes nothing, in no store (here NSS, which it
// could have changed). Tests run as root on CI, where every folder is
// writable, so the anchors folder is a path under a regular file, which no
// one can create files in; as a user, a read-only folder is tried too.
func TestTrustNeedsRights(t *testing.T) {
	db := testkit.NSSHome(t)
	root := testRoot(t)
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{"under a regular file": filepath.Join(notADir, "anchors")}
	if os.Geteuid() != 0 {
		ro := t.TempDir()
		if err := os.Chmod(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		dirs["read-only"] = ro
	}
	for name, dir := range dirs {
		t.Run(name, func(t *testing.T) {
			f := newFakeSystem(t, dir)
			nss := newNSSStore(os.Getenv("HOME"))
			r, err := Run(context.Background(), "install", root, []Store{nss, f.store}, false)
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("install: want ErrRefused, got %v", err)
			}
			s := oneStep(t, r, "system", "not changed")
			if !strings.Contains(s.Detail, "needs root: sudo localca trust install") {
				t.Errorf("system step says %q, want the needs-root advice", s.Detail)
			}
			oneStep(t, r, "nss", "not changed")
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("files appeared in %s: %v", dir, entries)
			}
			if n := f.runs(t); n != 0 {
				t.Errorf("the update command ran %d times", n)
			}
			out := testkit.MustRun(t, "certutil", "-L", "-d", "sql:"+db)
			if strings.Contains(out, Nickname(root)) {
				t.Errorf("NSS was changed although the system store refused:\n%s", out)
			}
		})
	}
}
