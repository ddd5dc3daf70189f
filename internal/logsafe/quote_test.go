package logsafe_test

import (
	"testing"

	"github.com/localca/localca/internal/logsafe"
)

func TestQuoteAndShellWord(t *testing.T) {
	tests := []struct{ in, quote, shell string }{
		{"api.test", "api.test", "api.test"},
		{"", "", "''"},
		{"my certs/a b.pem", "my certs/a b.pem", "'my certs/a b.pem'"},
		{"it's.pem", "it's.pem", `'it'\''s.pem'`},
		{"O=Ünïcode", "O=Ünïcode", "'O=Ünïcode'"},
		{"a\x1b[2Jb", `"a\x1b[2Jb"`, `"a\x1b[2Jb"`},
		{"a\nb", `"a\nb"`, `"a\nb"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := logsafe.Quote(tt.in); got != tt.quote {
				t.Errorf("Quote = %s, want %s", got, tt.quote)
			}
			if got := logsafe.ShellWord(tt.in); got != tt.shell {
				t.Errorf("ShellWord = %s, want %s", got, tt.shell)
			}
		})
	}
	if got, want := logsafe.Join([]string{"a.test", "b\x07"}, ", "), `a.test, "b\a"`; got != want {
		t.Errorf("Join = %s, want %s", got, want)
	}
}
