// Package logsafe keeps what outsiders send from forging log lines.
//
// A server's log is read by people and by tools that split it on newlines
// and colour it with terminal escapes. A request path, a header, a
// certificate's subject or SAN, a DNS name: any of them may carry "\n" (a
// forged line that follows) or ESC (a terminal that redraws what came
// before). Callers quote such strings with %q where they format them; the
// Writer here is the net under every server's log, so that a string a
// caller forgot to quote still cannot start a line of its own.
package logsafe

import (
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Writer escapes every control character, invalid UTF-8 byte and bidi
// override inside each Write (one Write is one log line, as log.Logger and
// fmt.Fprintf make them), keeping only a final newline. It always reports
// len(p) written when w accepted the escaped line.
type Writer struct{ w io.Writer }

// NewWriter wraps w. A nil w gives a Writer that discards.
func NewWriter(w io.Writer) *Writer {
	if w == nil {
		w = io.Discard
	}
	if lw, ok := w.(*Writer); ok {
		return lw
	}
	return &Writer{w: w}
}

// Write escapes p and writes it as one line.
func (l *Writer) Write(p []byte) (int, error) {
	body := p
	nl := len(body) > 0 && body[len(body)-1] == '\n'
	if nl {
		body = body[:len(body)-1]
	}
	out := Append(make([]byte, 0, len(p)+8), string(body))
	if nl {
		out = append(out, '\n')
	}
	if _, err := l.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// String returns s with what could forge or hide log text escaped, in Go's
// \n, \x1b, \u202e forms; printable text, spaces and tabs stay as they are.
func String(s string) string {
	if clean(s) {
		return s
	}
	return string(Append(nil, s))
}

// Append appends the escaped form of s to b.
func Append(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\x`...)
			b = append(b, "0123456789abcdef"[s[i]>>4], "0123456789abcdef"[s[i]&15])
		case safe(r):
			b = append(b, s[i:i+size]...)
		default:
			q := strconv.QuoteRuneToASCII(r) // 'x' with the escape inside
			b = append(b, q[1:len(q)-1]...)
		}
		i += size
	}
	return b
}

func clean(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !safe(r) {
			return false
		}
	}
	return true
}

// safe is a rune that prints as itself and moves no text: printable and
// not a bidi control, or a plain space or tab. A backslash is kept: the
// escapes stay readable, and a forged "\n" in the text cannot end a line.
func safe(r rune) bool {
	if r == ' ' || r == '\t' {
		return true
	}
	if unicode.Is(unicode.Bidi_Control, r) {
		return false
	}
	return unicode.IsPrint(r)
}
