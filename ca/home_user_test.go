package ca_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/truststore"
)

func TestHomeForUser(t *testing.T) {
	tmp := t.TempDir()
	tests := []struct {
		name     string
		dir      string
		env      map[string]string
		userHome string
		want     string // Path() of the result; "" means an error naming the user
	}{
		{"the user's data folder", "", nil, tmp + "/alice", tmp + "/alice/.local/share/localca"},
		{"--home wins", tmp + "/flag", nil, tmp + "/alice", tmp + "/flag"},
		{"LOCALCA_HOME wins", "", map[string]string{"LOCALCA_HOME": tmp + "/env"}, tmp + "/alice", tmp + "/env"},
		{"XDG_DATA_HOME wins", "", map[string]string{"XDG_DATA_HOME": tmp + "/xdg"}, tmp + "/alice", tmp + "/xdg/localca"},
		{"an override needs no user home", tmp + "/flag", nil, "", tmp + "/flag"},
		{"unknown user home", "", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := ca.Home{Dir: tt.dir, Getenv: func(k string) string { return tt.env[k] }}
			u, err := h.ForUser("alice", tt.userHome)
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), `"alice"`) {
					t.Fatalf("ForUser with no user home: %v, want an error naming the user", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ForUser: %v", err)
			}
			got, err := u.Path()
			if err != nil || got != tt.want {
				t.Fatalf("ForUser(...).Path() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestHomeRootNoCA(t *testing.T) {
	h := testHome(t, nil)
	_, err := h.Root()
	if err == nil || !strings.Contains(err.Error(), "localca init") {
		t.Fatalf("Root() with no CA: %v, want an error saying to run localca init", err)
	}
}

// TestHomeForSudo: under sudo the CA is the invoker's, and its store file,
// when there is one, must be the invoker's own regular file; the folder is
// reported even when that check fails.
func TestHomeForSudo(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no sudo here")
	}
	me := uint32(os.Getuid())
	tests := []struct {
		name    string
		setup   func(dir string) // makes the invoker's home folder's contents
		uid     uint32
		noHome  bool
		wantDir bool
		wantErr string
	}{
		{"no store yet", func(string) {}, me, false, true, ""},
		{"the invoker's store", func(d string) { writeFile(t, d, "localca.db", []byte("x")) }, me, false, true, ""},
		{"someone else's store", func(d string) { writeFile(t, d, "localca.db", []byte("x")) }, me + 1, false, true, "is not alice's own"},
		{"a link", func(d string) {
			writeFile(t, d, "elsewhere", []byte("x"))
			os.Symlink(filepath.Join(d, "elsewhere"), filepath.Join(d, "localca.db"))
		}, me, false, true, "not a regular file"},
		{"unknown home", func(string) {}, me, true, false, `"alice"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			userHome := t.TempDir()
			want := filepath.Join(userHome, ".local", "share", "localca")
			os.MkdirAll(want, 0o700)
			tt.setup(want)
			inv := &truststore.User{Name: "alice", Home: userHome, UID: tt.uid}
			if tt.noHome {
				inv.Home = ""
			}
			h, dir, err := ca.Home{Getenv: func(string) string { return "" }}.ForSudo(inv)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("ForSudo: %v, want an error with %q", err, tt.wantErr)
			}
			if got := dir != ""; got != tt.wantDir || tt.wantDir && dir != want {
				t.Fatalf("ForSudo's folder %q, want %q", dir, want)
			}
			if p, _ := h.Path(); tt.wantDir && p != want {
				t.Errorf("ForSudo's home is at %q, want %q", p, want)
			}
		})
	}
}
