//go:build unix

package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// TestTrustUnderSudo runs `trust install` and `uninstall` as root with
// SUDO_USER set, as `sudo localca trust install` does, for a user whose home
// is a folder of the test's own (uid and gid 65534, nobody): the CA comes
// from that user's data folder, the root lands in that user's NSS database,
// certutil runs as that user, and every file of the database stays the
// user's. It needs root, as CI and this project's machines run tests.
func TestTrustUnderSudo(t *testing.T) {
	certutil := testkit.NeedTool(t, "certutil")
	if os.Geteuid() != 0 {
		t.Skip("needs root, to act as sudo does")
	}
	const uid = 65534
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	userHome := filepath.Join(base, "user")
	db := filepath.Join(userHome, ".pki", "nssdb")
	caHome := filepath.Join(userHome, ".local", "share", "localca")
	if err := os.MkdirAll(db, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(certutil, "-N", "--empty-password", "-d", "sql:"+db).CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v\n%s", err, out)
	}
	h := &home{t: t, dir: caHome, out: t.TempDir()}
	h.initCA()
	chownAll(t, userHome, uid)
	rootHome := t.TempDir() // root's HOME under sudo: no NSS database
	// certutil, as trust finds it on PATH, notes who runs it.
	uids := filepath.Join(base, "uids")
	if err := os.WriteFile(uids, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(uids, 0o666); err != nil { // past the umask
		t.Fatal(err)
	}
	bin := filepath.Join(base, "bin")
	wrapper := "#!/bin/sh\nid -u >> " + uids + "\nexec " + certutil + " \"$@\"\n"
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "certutil"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	sudo := func(args ...string) cliResult {
		t.Helper()
		return runWithEnv(map[string]string{"SUDO_USER": "lcuser", "HOME": rootHome}, func(name string) (*user.User, error) {
			return &user.User{Username: name, Uid: "65534", Gid: "65534", HomeDir: userHome}, nil
		}, args...)
	}
	r := sudo("trust", "install", "--store", "nss")
	if r.code != 0 || !strings.Contains(r.stderr, "run through sudo by lcuser") || !strings.Contains(r.stdout, db) {
		t.Fatalf("trust install under sudo: %s", r)
	}
	listed := func() string {
		out, err := exec.Command(certutil, "-L", "-d", "sql:"+db).CombinedOutput()
		if err != nil {
			t.Fatalf("certutil -L: %v\n%s", err, out)
		}
		return string(out)
	}
	if !strings.Contains(listed(), "localca ") {
		t.Fatalf("the user's NSS database lacks the root:\n%s", listed())
	}
	ownedBy(t, db, uid)
	ran, err := os.ReadFile(uids)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(string(ran)); len(got) == 0 || strings.Trim(strings.Join(got, " "), "65534 ") != "" {
		t.Errorf("certutil ran as uids %q, want only 65534", got)
	}
	if r := sudo("trust", "status", "--store", "nss"); r.code != 0 || !strings.Contains(r.stdout, "trusted") || strings.Contains(r.stdout, "not trusted") {
		t.Errorf("trust status under sudo: %s", r)
	}
	if r := sudo("trust", "uninstall", "--store", "nss"); r.code != 0 {
		t.Fatalf("trust uninstall under sudo: %s", r)
	}
	if strings.Contains(listed(), "localca ") {
		t.Errorf("the root is still in the user's NSS database:\n%s", listed())
	}
	ownedBy(t, db, uid)
	// trust reads no policy: a broken one in the user's folder (or one
	// linked to a file of root's) is never opened by root.
	if err := os.WriteFile(filepath.Join(caHome, "policy.toml"), []byte("garbage = [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := sudo("trust", "status", "--store", "nss"); r.code != 0 {
		t.Errorf("trust status with a broken policy file beside the store: %s", r)
	}
	// The rights that count are the user's: a database file of root's (as
	// an earlier `sudo certutil` leaves) is refused before anything changes.
	if err := os.Lchown(filepath.Join(db, "cert9.db"), 0, 0); err != nil {
		t.Fatal(err)
	}
	if r := sudo("trust", "install", "--store", "nss"); r.code != 1 || !strings.Contains(r.stdout+r.stderr, "not lcuser's own") {
		t.Errorf("install into a database file of root's: %s", r)
	}
	if strings.Contains(listed(), "localca ") {
		t.Errorf("the refused install changed the database:\n%s", listed())
	}
	chownAll(t, db, uid)
	// Root reads only the user's own store file, never a link.
	store := filepath.Join(caHome, "localca.db")
	if err := os.Rename(store, store+".real"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(store+".real", store); err != nil {
		t.Fatal(err)
	}
	if r := sudo("trust", "status", "--store", "nss"); r.code == 0 || !strings.Contains(r.stderr, "not a regular file") {
		t.Errorf("a store that is a link: %s", r)
	}
	if err := os.Remove(store); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(store+".real", store); err != nil {
		t.Fatal(err)
	}
	// A user sudo knows but /etc/passwd does not (LDAP, SSSD, under the
	// static build): SUDO_UID and SUDO_GID say who; the home must be given.
	ldap := func(args ...string) cliResult {
		t.Helper()
		return runWithEnv(map[string]string{"SUDO_USER": "lcuser", "SUDO_UID": "65534", "SUDO_GID": "65534", "HOME": rootHome},
			func(name string) (*user.User, error) { return nil, user.UnknownUserError(name) }, args...)
	}
	if r := ldap("trust", "status"); r.code == 0 || !strings.Contains(r.stderr, "give --home") {
		t.Errorf("sudo for a user without a passwd entry, no --home: %s", r)
	}
	if r := ldap("--home", caHome, "trust", "status", "--store", "nss"); r.code == 0 || !strings.Contains(r.stdout+r.stderr, "home folder of the user is unknown") {
		t.Errorf("sudo for a user without a passwd entry, NSS: %s", r)
	}
	// An explicit --home still wins over the invoker's data folder.
	other := newHome(t)
	other.initCA()
	chownAll(t, other.dir, uid) // under sudo, only a store of the user's is read
	if r := sudo("--home", other.dir, "trust", "status", "--store", "nss"); r.code != 0 || !strings.Contains(r.stderr, other.dir) {
		t.Errorf("--home under sudo: %s", r)
	}
}

func chownAll(t *testing.T, dir string, uid int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, uid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ownedBy fails the test for every file under dir that uid does not own:
// a database left with files of root's would break the user's browser.
func ownedBy(t *testing.T, dir string, uid int) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return nil
		}
		info, err := d.Info()
		if err != nil {
			t.Error(err)
			return nil
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != uid {
			t.Errorf("%s is owned by uid %d, not %d", p, st.Uid, uid)
		}
		return nil
	})
}

// runWithEnv runs localca in this process with only the environment given
// and lookup as its user database, as sudo would leave them.
func runWithEnv(environ map[string]string, lookup func(string) (*user.User, error), args ...string) cliResult {
	cliMu.Lock()
	defer cliMu.Unlock()
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return environ[k] }, lookupUser: lookup}
	return cliResult{e.run(append([]string{"localca"}, args...)), stdout.String(), stderr.String()}
}
