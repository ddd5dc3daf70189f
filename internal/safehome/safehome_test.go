package safehome_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localca/localca/internal/safehome"
)

func me() safehome.Checker { return safehome.Checker{UID: uint32(os.Geteuid())} }

// build makes dir/name with mode (a folder when the name ends in "/").
func build(t *testing.T, dir, name string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	var err error
	if strings.HasSuffix(name, "/") {
		err = os.MkdirAll(p, 0o700)
	} else {
		err = os.WriteFile(p, []byte("x"), 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return filepath.Clean(p)
}

func TestChecks(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string) (path string, isDir bool)
		refused string // the path named in the refusal; "" = allowed
		fix     string
		rootOK  bool // allowed when the test runs as root (root owns the files)
	}{
		{"private home", func(t *testing.T, d string) (string, bool) { return build(t, d, "home/", 0o700), true }, "", "", false},
		{"home not made yet", func(t *testing.T, d string) (string, bool) { return filepath.Join(d, "new", "home"), true }, "", "", false},
		{"readable store", func(t *testing.T, d string) (string, bool) {
			build(t, d, "h/", 0o755)
			return build(t, d, "h/localca.db", 0o644), false
		}, "", "", false},
		{"group-writable home", func(t *testing.T, d string) (string, bool) { return build(t, d, "home/", 0o770), true }, "home", "chmod go-w", false},
		{"world-writable sticky home", func(t *testing.T, d string) (string, bool) { return build(t, d, "home/", 0o777|os.ModeSticky), true }, "home", "chmod go-w", false},
		{"store others may write", func(t *testing.T, d string) (string, bool) {
			build(t, d, "h/", 0o700)
			return build(t, d, "h/localca.db", 0o666), false
		}, "localca.db", "chmod 600", false},
		{"folder above writable", func(t *testing.T, d string) (string, bool) {
			build(t, d, "shared/", 0o777)
			return build(t, d, "shared/home/", 0o700), true
		}, "shared", "chmod go-w", false},
		{"my sticky folder above is not root's", func(t *testing.T, d string) (string, bool) {
			build(t, d, "tmp/", 0o777|os.ModeSticky)
			return filepath.Join(d, "tmp", "home"), true
		}, "tmp", "chmod go-w", true},
		{"link to a writable folder", func(t *testing.T, d string) (string, bool) {
			bad := build(t, d, "bad/", 0o777)
			build(t, d, "bad/home/", 0o700)
			if err := os.Symlink(filepath.Join(bad, "home"), filepath.Join(d, "link")); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(d, "link"), true
		}, "bad", "chmod go-w", false},
		{"a folder as the store", func(t *testing.T, d string) (string, bool) { return build(t, d, "db/", 0o700), false }, "db", "remove it", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p, isDir := tt.setup(t, dir)
			var err error
			if isDir {
				err = me().Dir(p)
			} else {
				err = me().File(p)
			}
			if tt.refused == "" || tt.rootOK && os.Geteuid() == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ue *safehome.UnsafeError
			if !errors.As(err, &ue) || !errors.Is(err, safehome.ErrUnsafe) {
				t.Fatalf("want an UnsafeError, got %v", err)
			}
			if filepath.Base(ue.Path) != tt.refused || !strings.Contains(err.Error(), tt.fix) || !strings.Contains(err.Error(), "mode") {
				t.Errorf("refusal names %q: %v; want %q and the fix %q", ue.Path, err, tt.refused, tt.fix)
			}
		})
	}
}

// Files another user owns are refused: checked here as a user other than
// the owner of the test's own files (root runs the same check as another
// uid in cmd/localca's setpriv test).
func TestOwnedBySomeoneElse(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root's files pass for everyone: cmd/localca's TestStrictModesNeighbour covers owners with setpriv")
	}
	other := safehome.Checker{UID: uint32(os.Geteuid()) + 1}
	home := build(t, t.TempDir(), "home/", 0o700)
	err := other.Dir(home)
	if !errors.Is(err, safehome.ErrUnsafe) || !strings.Contains(err.Error(), "chown") {
		t.Fatalf("a home of another user: %v", err)
	}
}

func TestMakeHome(t *testing.T) {
	home := filepath.Join(t.TempDir(), "a", "localca")
	if err := me().MakeHome(home); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(home)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("home %v: mode %v, want 0700", err, fi.Mode())
	}
}

func TestForProcessUnderSudo(t *testing.T) {
	env := map[string]string{"SUDO_UID": "4242"}
	c, err := safehome.ForProcess(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := uint32(os.Geteuid())
	if want == 0 {
		want = 4242 // root under sudo checks for the user who ran sudo
	}
	if c.UID != want {
		t.Errorf("UID %d, want %d", c.UID, want)
	}
}
