package policies

import (
	"strings"
	"testing"
)

func TestNormalizeDNSName(t *testing.T) {
	tests := []struct {
		in, want string // want "" means a dns.syntax error
	}{
		{"API.Example.TEST", "api.example.test"},
		{"api.test.", "api.test"},
		{"Bücher.test", "xn--bcher-kva.test"},
		{"xn--bcher-kva.test", "xn--bcher-kva.test"},
		{"XN--BCHER-KVA.TEST.", "xn--bcher-kva.test"},
		{"bücher。test", "xn--bcher-kva.test"}, // ideographic full stop maps to "."
		{"*.dev.test", "*.dev.test"},
		{"*.Bücher.test", "*.xn--bcher-kva.test"},
		{"localhost", "localhost"},
		{"a-b.test", "a-b.test"},
		{"", ""},
		{".", ""},
		{"api.test..", ""},
		{"a..test", ""},
		{".test", ""},
		{"-a.test", ""},
		{"a-.test", ""},
		{"a_b.test", ""},
		{"a b.test", ""},
		{"*", ""},
		{"*.", ""},
		{"a.*.test", ""},
		{"f*o.test", ""},
		{"**.test", ""},
		{"127.0.0.1", ""},
		{"::1", ""},
		{"1.2.3", ""},
		{"xn--zz.test", ""}, // invalid punycode
		{strings.Repeat("a", 64) + ".test", ""},
		{strings.Repeat("a", 63) + ".test", strings.Repeat("a", 63) + ".test"},
		{strings.Repeat("abcdefghi.", 26) + "test", ""}, // 264 octets
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := normalizeDNSName(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("normalizeDNSName(%q) = %q, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("normalizeDNSName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestDNSPatternMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		match         bool
	}{
		// exact, with case, trailing dots and IDNA on either side
		{"api.test", "api.test", true},
		{"API.Test.", "api.TEST", true},
		{"api.test", "www.api.test", false},
		{"bücher.test", "xn--bcher-kva.test", true},
		{"xn--bcher-kva.test", "BÜCHER.test.", true},
		{"bücher.test", "bucher.test", false},
		// one label deep
		{"*.example.test", "a.example.test", true},
		{"*.example.test", "A.Example.Test.", true},
		{"*.example.test", "a.b.example.test", false},
		{"*.example.test", "example.test", false},
		{"*.example.test", "aexample.test", false},
		{"*.example.test", "*.example.test", true}, // a wildcard request is a name with label "*"
		{"*.example.test", "*.a.example.test", false},
		{"*.bücher.test", "www.xn--bcher-kva.test", true},
		// any depth
		{".test", "a.test", true},
		{".test", "a.b.c.test", true},
		{".test", "test", false},
		{".test", "atest", false},
		{".test", "test.example", false},
		{".test", "*.dev.test", true},
		{".dev.test", "*.dev.test", true}, // "*" is a label one under dev.test
		{".dev.test", "*.test", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+"~"+tt.name, func(t *testing.T) {
			p, err := parseDNSPattern(tt.pattern)
			if err != nil {
				t.Fatalf("parseDNSPattern(%q): %v", tt.pattern, err)
			}
			n, err := normalizeDNSName(tt.name)
			if err != nil {
				t.Fatalf("normalizeDNSName(%q): %v", tt.name, err)
			}
			if got := p.match(n); got != tt.match {
				t.Errorf("%q matches %q = %v, want %v", tt.pattern, tt.name, got, tt.match)
			}
		})
	}
}

func TestDNSPatternOverlapsWildcard(t *testing.T) {
	// A deny pattern refuses a wildcard request when the wildcard would be
	// valid for any name the pattern denies.
	tests := []struct {
		deny, name string
		overlaps   bool
	}{
		{"secret.dev.test", "*.dev.test", true},
		{"secret.other.test", "*.dev.test", false},
		{"a.secret.dev.test", "*.dev.test", false},
		{"*.dev.test", "*.dev.test", true},
		{"*.test", "*.dev.test", false},
		{".dev.test", "*.dev.test", true},
		{".test", "*.dev.test", true},
		{".a.dev.test", "*.dev.test", false},
		{"dev.test", "*.dev.test", false},
		{"secret.dev.test", "secret.dev.test", true},
		{".dev.test", "a.dev.test", true},
	}
	for _, tt := range tests {
		t.Run(tt.deny+"~"+tt.name, func(t *testing.T) {
			p, err := parseDNSPattern(tt.deny)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.overlaps(tt.name); got != tt.overlaps {
				t.Errorf("%q overlaps %q = %v, want %v", tt.deny, tt.name, got, tt.overlaps)
			}
		})
	}
}

func TestParseDNSPatternErrors(t *testing.T) {
	for _, s := range []string{"", ".", "*", "*.", "**.test", "*.*.test", "a.*.test", "..test", "a..test", "10.0.0.1", "-x.test", "*test"} {
		t.Run(s, func(t *testing.T) {
			if p, err := parseDNSPattern(s); err == nil {
				t.Errorf("parseDNSPattern(%q) = %v, want an error", s, p)
			}
		})
	}
}
