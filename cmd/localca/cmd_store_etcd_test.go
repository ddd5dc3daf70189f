package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/localca/localca/internal/etcdtest"
)

// TestStoreCopyIntoEtcd: the README's bootstrap order on a real etcd. An
// unencrypted CA is refused; an encrypted one is copied and verified, the
// file is then read-only and names the etcd store, and every command works
// with --store etcd://...: issue, list, store status (members, leader,
// revision), backup (a file that --store opens).
func TestStoreCopyIntoEtcd(t *testing.T) {
	cl := etcdtest.Start(t, 1)
	url := cl.URL("ca")

	clear := newHome(t)
	clear.initCA()
	clear.fail(1, "not encrypted", "store", "copy", "--from", filepath.Join(clear.dir, "localca.db"), "--to", url)

	h := newHome(t)
	pw := h.write("pw", []byte("correct horse battery staple\n"))
	h.ok("init", "--password-file", pw)
	h.ok("issue", "--password-file", pw, "--out-dir", h.out, "before.localca.test")
	db := filepath.Join(h.dir, "localca.db")
	// The key issue kept is in clear in the file: sealed first.
	h.fail(1, "localca store seal", "store", "copy", "--from", db, "--to", url)
	if out := h.ok("store", "seal", "--password-file", pw); !strings.Contains(out, "sealed 1 secrets") {
		t.Fatalf("store seal said %q", out)
	}
	out := h.ok("store", "copy", "--from", db, "--to", url)
	if !strings.Contains(out, "copied and verified") {
		t.Fatalf("store copy said %q", out)
	}
	h.fail(1, url, "issue", "--password-file", pw, "--out-dir", h.out, "after.localca.test")
	h.fail(1, "was moved", "store", "copy", "--from", db, "--to", url)

	h.ok("--store", url, "issue", "--password-file", pw, "--out-dir", h.out, "etcd.localca.test")
	if got := h.listJSON("--store", url); len(got) != 2 {
		t.Errorf("list on etcd: %d certificates, want 2", len(got))
	}
	if got := h.listJSON(); len(got) != 1 {
		t.Errorf("list on the moved file: %d certificates, want 1", len(got))
	}
	st := h.ok("--store", url, "store", "status")
	for _, want := range []string{"engine   etcd", "(leader)", "revision"} {
		if !strings.Contains(st, want) {
			t.Errorf("store status lacks %q:\n%s", want, st)
		}
	}
	backup := h.path("etcd-backup.db")
	h.ok("--store", url, "backup", backup)
	if got := h.listJSON("--store", backup); len(got) != 2 {
		t.Errorf("the backup of the etcd store lists %d certificates, want 2", len(got))
	}
}

// TestInitOnEtcdNeedsPassword: a CA made straight in etcd is encrypted.
func TestInitOnEtcdNeedsPassword(t *testing.T) {
	cl := etcdtest.Start(t, 1)
	h := newHome(t)
	url := cl.URL("fresh")
	h.fail(1, "needs a password", "--store", url, "init", "--no-password")
	pw := h.write("pw", []byte("a password\n"))
	h.ok("--store", url, "init", "--password-file", pw)
	h.ok("--store", url, "issue", "--password-file", pw, "--out-dir", h.out, "fresh.localca.test")
}
