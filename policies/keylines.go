package policies

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
)

// keyLines finds the line of a key in a policy file that already parsed as
// TOML. BurntSushi/toml knows key positions but does not export them, so
// this small scanner follows table headers and (dotted) keys. It is used
// only to point at lines in error messages; a key it cannot place gets the
// line of its nearest parent, or 0.
type keyLines struct {
	keys  map[string]int // full dotted key → line
	lines []string
}

func newKeyLines(data []byte) *keyLines {
	kl := &keyLines{keys: map[string]int{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	table := ""
	inMultiline := ""
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		kl.lines = append(kl.lines, line)
		t := strings.TrimSpace(line)
		if inMultiline != "" {
			if strings.Count(t, inMultiline)%2 == 1 {
				inMultiline = ""
			}
			continue
		}
		switch {
		case t == "" || t[0] == '#':
			continue
		case strings.HasPrefix(t, "["):
			h := strings.TrimLeft(t, "[")
			if i := strings.IndexByte(h, ']'); i >= 0 {
				table = joinKey(splitKey(h[:i]))
				kl.set(table, n)
			}
			continue
		}
		i := keyEnd(t)
		if i < 0 {
			continue
		}
		full := joinKey(splitKey(t[:i]))
		if table != "" {
			full = table + "." + full
		}
		kl.set(full, n)
		for _, q := range []string{`"""`, `'''`} {
			if strings.Count(t[i:], q)%2 == 1 {
				inMultiline = q
			}
		}
	}
	return kl
}

func (kl *keyLines) set(key string, n int) {
	if _, ok := kl.keys[key]; !ok {
		kl.keys[key] = n
	}
}

// line returns the line of key, or of value inside key's array when value
// is given and found on a later line of the same array.
func (kl *keyLines) line(key, value string) int {
	for k := key; k != ""; {
		if n, ok := kl.keys[k]; ok {
			if value != "" && k == key {
				return kl.valueLine(n, value)
			}
			return n
		}
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

// valueLine looks for the quoted value from the key's line to the end of
// its array.
func (kl *keyLines) valueLine(n int, value string) int {
	quoted := []string{strconv.Quote(value), "'" + value + "'"}
	for i := n - 1; i < len(kl.lines) && i < n+1000; i++ {
		for _, q := range quoted {
			if strings.Contains(kl.lines[i], q) {
				return i + 1
			}
		}
		if i > n-1 && strings.Contains(kl.lines[i], "]") {
			break
		}
	}
	return n
}

// keyEnd returns the index of the "=" that ends a key, or -1.
func keyEnd(t string) int {
	quote := byte(0)
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '=':
			return i
		}
	}
	return -1
}

// splitKey splits a dotted key, honouring quotes, and trims each part.
func splitKey(s string) []string {
	var parts []string
	var b strings.Builder
	quote := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				b.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '.':
			parts = append(parts, strings.TrimSpace(b.String()))
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(parts, strings.TrimSpace(b.String()))
}

// joinKey prints a key the way toml.Key.String does.
func joinKey(parts []string) string {
	for i, p := range parts {
		bare := p != ""
		for _, r := range p {
			if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
				bare = false
				break
			}
		}
		if !bare {
			parts[i] = strconv.Quote(p)
		}
	}
	return strings.Join(parts, ".")
}
