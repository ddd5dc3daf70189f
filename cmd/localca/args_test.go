package main

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/localca/localca/internal/cliargs"
)

func TestInterspersed(t *testing.T) {
	app := newApp(&env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard})
	tests := []struct{ in, want string }{
		{"localca issue localhost --client", "localca issue --client localhost"},
		{"localca issue a.test --key-type ed25519 b.test", "localca issue --key-type ed25519 a.test b.test"},
		{"localca --home /h issue a.test --out-dir d", "localca --home /h issue --out-dir d a.test"},
		{"localca call echo --as web hello there", "localca call --as web echo hello there"},
		{"localca dns add 'x' --zone z.", "localca dns add --zone z. 'x'"},
		{"localca issue -- --odd-name", "localca issue -- --odd-name"},
		{"localca revoke", "localca revoke"},
		{"localca issue --out-dir=d a.test", "localca issue --out-dir=d a.test"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := cliargs.Interspersed(app, strings.Fields(tt.in))
			if want := strings.Fields(tt.want); !reflect.DeepEqual(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	var out strings.Builder
	if code := run([]string{"localca", "--version"}, strings.NewReader(""), &out, io.Discard); code != 0 || !strings.HasPrefix(out.String(), "localca version ") {
		t.Fatalf("--version: exit %d, %q", code, out.String())
	}
}
