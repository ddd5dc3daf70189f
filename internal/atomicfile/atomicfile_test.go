package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "key.pem")
	for i, content := range []string{"first", "second, longer"} {
		if err := WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != content {
			t.Fatalf("write %d: read %q, %v; want %q", i, got, err, content)
		}
		st, _ := os.Stat(p)
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, want 0600", st.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "x"), []byte("x"), 0o600); err == nil {
		t.Fatal("writing into a missing folder succeeded")
	}
}

func TestWriteFiles(t *testing.T) {
	dir := t.TempDir()
	key, cert := filepath.Join(dir, "a-key.pem"), filepath.Join(dir, "a.pem")
	if err := WriteFiles(File{Path: key, Data: []byte("k"), Perm: 0o600}, File{Path: cert, Data: []byte("c"), Perm: 0o644}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{key: 0o600, cert: 0o644} {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != want {
			t.Fatalf("%s: %v, mode %v; want %v", p, err, st.Mode().Perm(), want)
		}
	}
}
