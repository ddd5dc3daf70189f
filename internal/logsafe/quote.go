package logsafe

import (
	"strconv"
	"strings"
	"unicode"
)

// Quote shows s as it is when every rune of it is graphic, and quoted with
// Go escapes otherwise: a CSR's subject or an event's detail is whatever
// whoever wrote the CSR chose, and a terminal must not run the escape
// sequences in it. Unlike String, the quotes tell the reader that the
// text was escaped.
func Quote(s string) string {
	for _, r := range s {
		if !unicode.IsGraphic(r) {
			return strconv.QuoteToGraphic(s)
		}
	}
	return s
}

// Join is strings.Join of each of names through Quote.
func Join(names []string, sep string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = Quote(n)
	}
	return strings.Join(out, sep)
}

// ShellWord quotes a path for a command line the user copies into a POSIX
// shell: as it is when it is plain, in single quotes otherwise, and as a Go
// string (escaped) when it holds what a terminal would interpret.
func ShellWord(s string) string {
	plain := s != ""
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || !unicode.IsPrint(r):
			return strconv.Quote(s)
		case !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@+,", r)):
			plain = false
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
