package mesh

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoad: no path is the sample set; a file is parsed under its own
// path; a missing file is reported as such.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "services.toml")
	if err := os.WriteFile(file, []byte("[[service]]\nname = \"api\"\nprotocol = \"http\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("colour = \"red\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		path      string
		wantNames []string
		wantErr   error  // errors.Is
		wantIn    string // in the error
	}{
		{"sample", "", []string{"echo", "web"}, nil, ""},
		{"a file", file, []string{"api"}, nil, ""},
		{"a bad file names itself", bad, nil, nil, bad},
		{"missing", filepath.Join(dir, "none.toml"), nil, fs.ErrNotExist, "none.toml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Load(tt.path)
			if tt.wantIn != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantIn) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("Load = %v, want an error naming %q", err, tt.wantIn)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, s := range f.Services {
				names = append(names, s.Name)
			}
			if strings.Join(names, ",") != strings.Join(tt.wantNames, ",") {
				t.Errorf("services %q, want %q", names, tt.wantNames)
			}
		})
	}
}
