package inputfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Repeat("x", n)), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		path    string
		wantLen int
		wantErr error
	}{
		{"under the limit", write("small", 3), 3, nil},
		{"at the limit", write("exact", 8), 8, nil},
		{"over the limit", write("large", 9), 0, ErrTooLarge},
		{"missing", filepath.Join(dir, "none"), 0, fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := Read(tt.path, 8)
			if !errors.Is(err, tt.wantErr) || len(data) != tt.wantLen {
				t.Fatalf("Read = %d bytes, %v; want %d, %v", len(data), err, tt.wantLen, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}
