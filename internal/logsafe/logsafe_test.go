package logsafe_test

import (
	"bytes"
	"fmt"
	"log"
	"strings"
	"testing"

	"github.com/localca/localca/internal/logsafe"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"GET /crl", "GET /crl"},
		{"a\nb", `a\nb`},
		{"\x1b[2J", `\x1b[2J`},
		{"tab\there", "tab\there"},
		{"r\u202eevil", `r\u202eevil`},
		{"bad\xffbyte", `bad\xffbyte`},
		{"ünïcode ok", "ünïcode ok"},
		{"\u0085next", `\u0085next`},
	}
	for _, tt := range tests {
		if got := logsafe.String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A log line with a forged newline and escape inside stays one line.
func TestWriterOneLinePerWrite(t *testing.T) {
	var buf bytes.Buffer
	l := log.New(logsafe.NewWriter(&buf), "srv: ", 0)
	l.Printf("GET %s from 127.0.0.1", "/x\n2026/01/01 signed server for \"www.google.com\"\x1b[1A")
	l.Printf("second")
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %d: %q", len(lines), buf.String())
	}
	if strings.ContainsRune(buf.String(), 0x1b) {
		t.Errorf("ESC reached the log: %q", buf.String())
	}
	if !strings.Contains(lines[0], `\n2026`) || !strings.Contains(lines[0], `\x1b[1A`) {
		t.Errorf("escapes not shown: %q", lines[0])
	}
}

func ExampleString() {
	fmt.Println(logsafe.String("/sign\nsigned for www.google.com"))
	// Output: /sign\nsigned for www.google.com
}
