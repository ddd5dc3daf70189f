package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// The uids of this test: a neighbour on the machine and the user running
// localca. Neither needs an entry in /etc/passwd.
const (
	neighbourUID = "23456"
	userUID      = "23457"
)

// strictModesBase is a folder both uids can reach, holding a copy of the
// test binary (go test's own folder is root's alone) and a shared sticky
// folder like /tmp.
func strictModesBase(t *testing.T) (base, exe string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true runs as root: this test needs root to act as two other users")
		}
		t.Skip("needs root to act as two other users (setpriv --reuid)")
	}
	testkit.NeedTool(t, "setpriv")
	base, err := os.MkdirTemp("", "localca-strictmodes-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	must(t, os.Chmod(base, 0o755))
	exe = filepath.Join(base, "localca")
	copyFile(t, localcaExe(t), exe)
	must(t, os.Chmod(exe, 0o755))
	must(t, os.Mkdir(filepath.Join(base, "shared"), 0o700))
	must(t, os.Chmod(filepath.Join(base, "shared"), 0o777|os.ModeSticky))
	return base, exe
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	must(t, err)
	defer in.Close()
	out, err := os.Create(to)
	must(t, err)
	_, err = io.Copy(out, in)
	must(t, err)
	must(t, out.Close())
}

// plant makes a file or folder (name ending in "/") as the neighbour would.
func plant(t *testing.T, path string, mode os.FileMode, data string) {
	t.Helper()
	if strings.HasSuffix(path, "/") {
		must(t, os.Mkdir(path, 0o700))
	} else {
		must(t, os.WriteFile(path, []byte(data), 0o600))
	}
	must(t, os.Chmod(path, mode))
	must(t, os.Lchown(path, 23456, 23456))
}

// asUser runs localca as the user (uid 23457) through setpriv.
func asUser(t *testing.T, exe string, args ...string) cliResult {
	t.Helper()
	full := append([]string{"--reuid=" + userUID, "--regid=" + userUID, "--clear-groups", exe}, args...)
	return runTool(t, "", testkit.NeedTool(t, "setpriv"), full...)
}

// TestStrictModesNeighbour is issue 14's attack: a neighbour pre-creates
// the home in a sticky world-writable folder, with a store of theirs (0666)
// and a policy that allows .com. localca must refuse before it reads the
// policy or writes a key into their file, naming the path, its owner and
// mode, and the fix.
func TestStrictModesNeighbour(t *testing.T) {
	base, exe := strictModesBase(t)
	out := filepath.Join(base, "out")
	must(t, os.Mkdir(out, 0o700))
	must(t, os.Chown(out, 23457, 23457))
	policy := "[names]\nallow = [\".com\"]\n"
	tests := []struct {
		name  string
		plant func(home string)
		args  []string
		named string // the path the refusal names
		fix   string
	}{
		{"home others may write", func(home string) {
			plant(t, home+"/", 0o777, "")
			plant(t, filepath.Join(home, "localca.db"), 0o666, "")
			plant(t, filepath.Join(home, "policy.toml"), 0o666, policy)
		}, []string{"issue", "--out-dir", out, "localhost"}, "", "chmod go-w"},
		{"home the neighbour owns", func(home string) {
			plant(t, home+"/", 0o755, "")
		}, []string{"issue", "--out-dir", out, "localhost"}, "", "chown"},
		{"policy the neighbour owns", func(home string) {
			plant(t, filepath.Join(filepath.Dir(home), "evil.toml"), 0o644, policy)
		}, []string{"issue", "--out-dir", out, "--policy", "$DIR/evil.toml", "localhost"}, "evil.toml", "chown"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(base, "shared", strings.Repeat("d", i+1))
			plant(t, dir+"/", 0o755, "")
			must(t, os.Chown(dir, 23457, 23457)) // the user's own folder
			home := filepath.Join(dir, "home")
			tt.plant(home)
			args := []string{"--home", home}
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "$DIR", dir))
			}
			r := asUser(t, exe, args...)
			named := home
			if tt.named != "" {
				named = filepath.Join(dir, tt.named)
			}
			for _, want := range []string{"unsafe permissions", `"` + named + `"`, "uid " + neighbourUID, "mode", tt.fix} {
				if r.code != 1 || !strings.Contains(r.stderr, want) {
					t.Fatalf("want exit 1 naming %q, got %s", want, r)
				}
			}
			if db, err := os.ReadFile(filepath.Join(home, "localca.db")); err == nil && len(db) != 0 {
				t.Errorf("the neighbour's store was written (%d bytes)", len(db))
			}
			if _, err := os.Stat(filepath.Join(out, "localhost.pem")); err == nil {
				t.Errorf("a certificate was issued")
			}
		})
	}
	t.Run("a home of the user's own in the sticky folder", func(t *testing.T) {
		home := filepath.Join(base, "shared", "mine")
		r := asUser(t, exe, "--home", home, "issue", "--out-dir", out, "localhost")
		if r.code != 0 {
			t.Fatalf("the user's own new home: %s", r)
		}
		for p, want := range map[string]os.FileMode{home: os.ModeDir | 0o700, filepath.Join(home, "localca.db"): 0o600} {
			fi, err := os.Stat(p)
			if err != nil || fi.Mode() != want {
				t.Errorf("%s: %v, mode %v, want %v", p, err, fi.Mode(), want)
			}
		}
	})
}
