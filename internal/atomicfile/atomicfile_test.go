package atomicfile

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
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

// TestWriteFiles writes a key and a certificate side by side, with and
// without the fsyncs: the same files, modes and no temporary file left.
func TestWriteFiles(t *testing.T) {
	for name, write := range map[string]func(...File) error{"WriteFiles": WriteFiles, "Replace": Replace} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			key, cert := filepath.Join(dir, "a-key.pem"), filepath.Join(dir, "a.pem")
			for i, content := range []string{"first", "second, longer"} {
				if err := write(File{Path: key, Data: []byte("k " + content), Perm: 0o600}, File{Path: cert, Data: []byte("c " + content), Perm: 0o644}); err != nil {
					t.Fatalf("write %d: %v", i, err)
				}
				for p, want := range map[string]os.FileMode{key: 0o600, cert: 0o644} {
					st, err := os.Stat(p)
					if err != nil || st.Mode().Perm() != want {
						t.Fatalf("%s: %v, mode %v; want %v", p, err, st.Mode().Perm(), want)
					}
					if got, _ := os.ReadFile(p); !strings.HasSuffix(string(got), content) {
						t.Fatalf("%s: read %q after write %d", p, got, i)
					}
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 2 {
				t.Fatalf("temporary files left behind: %v", entries)
			}
			if err := write(File{Path: filepath.Join(dir, "missing", "x"), Data: []byte("x"), Perm: 0o600}); err == nil {
				t.Fatal("writing into a missing folder succeeded")
			}
		})
	}
}

// TestWriteFileOverWiderFile: a file that existed with 0644 ends 0600 with
// the new content: the new file is a new inode, never the old one chmodded
// after the secret is in it.
func TestWriteFileOverWiderFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%v, mode %v; want 0600", err, st.Mode().Perm())
	}
	if got, _ := os.ReadFile(p); string(got) != "new secret" {
		t.Fatalf("content %q", got)
	}
}

// TestWriteFileFailureKeepsOld: when writing fails before the rename (here
// the folder refuses the temporary file), the old file is untouched and no
// temporary file is left.
func TestWriteFileFailureKeepsOld(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores folder permissions; TestWriteFileFailureMidWrite covers a failed write")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	if err := WriteFile(p, []byte("new"), 0o600); err == nil {
		t.Fatal("writing into a read-only folder succeeded")
	}
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Fatalf("the old file now holds %q", got)
	}
}

// TestReadersNeverSeeTornFile: while one goroutine rewrites a file between
// two contents of different lengths, readers only ever see one of them,
// whole.
func TestReadersNeverSeeTornFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cert.pem")
	a, b := bytes.Repeat([]byte("a"), 64<<10), bytes.Repeat([]byte("b"), 3<<10)
	if err := WriteFile(p, a, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(done)
		for i := range 50 {
			data := a
			if i%2 == 0 {
				data = b
			}
			if err := WriteFile(p, data, 0o644); err != nil {
				errs <- err
				return
			}
		}
	}()
	reads := 0
	for {
		select {
		case <-done:
			select {
			case err := <-errs:
				t.Fatal(err)
			default:
			}
			if reads == 0 {
				t.Fatal("no read happened")
			}
			return
		default:
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("read %d: %v", reads, err)
		}
		if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
			t.Fatalf("read %d saw a torn file of %d bytes", reads, len(got))
		}
		reads++
	}
}

// TestWriteFileLongName: a file whose name is near the system's limit (255
// bytes) is written; its temporary file's name must fit too.
func TestWriteFileLongName(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, strings.Repeat("a", 240)+"-key.pem")
	if err := WriteFile(p, []byte("k"), 0o600); err != nil {
		t.Fatalf("writing a %d-byte file name: %v", len(filepath.Base(p)), err)
	}
	if got, err := os.ReadFile(p); err != nil || string(got) != "k" {
		t.Fatalf("read back %q, %v", got, err)
	}
}
