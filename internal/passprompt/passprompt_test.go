package passprompt_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/localca/localca/internal/passprompt"
)

// typed reads the given lines one by one, then fails as a closed terminal.
func typed(lines ...string) passprompt.ReadFunc {
	return func() ([]byte, error) {
		if len(lines) == 0 {
			return nil, io.EOF
		}
		l := lines[0]
		lines = lines[1:]
		return []byte(l), nil
	}
}

func TestAsk(t *testing.T) {
	tests := []struct {
		name    string
		read    passprompt.ReadFunc
		confirm bool
		want    string
		prompts string
		err     error
	}{
		{"once", typed("s3cret"), false, "s3cret", "key password: \n", nil},
		{"confirmed", typed("s3cret", "s3cret"), true, "s3cret", "key password: \nagain: \n", nil},
		{"confirmation differs", typed("s3cret", "secret"), true, "", "key password: \nagain: \n", passprompt.ErrMismatch},
		{"terminal closed", typed(), false, "", "key password: \n", io.EOF},
		{"closed before the confirmation", typed("s3cret"), true, "", "key password: \nagain: \n", io.EOF},
		{"empty is the caller's to refuse", typed(""), false, "", "key password: \n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			pw, err := passprompt.Ask(tt.read, &out, "key password", tt.confirm)
			if !errors.Is(err, tt.err) || string(pw) != tt.want {
				t.Fatalf("Ask = %q, %v; want %q, %v", pw, err, tt.want, tt.err)
			}
			if out.String() != tt.prompts {
				t.Errorf("prompts %q, want %q", out.String(), tt.prompts)
			}
		})
	}
}

func TestTerminalIsNilForAPipe(t *testing.T) {
	if passprompt.Terminal(strings.NewReader("s3cret\n")) != nil {
		t.Error("Terminal(a reader that is not a file) is not nil: a script's stdin would be asked")
	}
}
