package online_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/localca/localca/ca/online"
)

// TestListen: the base URL is the given one without its slash, or the
// listener's own address; a URL of another scheme, with a path or a query
// is refused and its listener closed.
func TestListen(t *testing.T) {
	tests := []struct {
		name, scheme, url, want string
		wantErr                 error
	}{
		{"own address", "https", "", "https://127.0.0.1:", nil},
		{"given URL", "https", "https://ca.test:8443/", "https://ca.test:8443", nil},
		{"plain", "http", "http://ca.test", "http://ca.test", nil},
		{"other scheme", "https", "http://ca.test", "", online.ErrBadURL},
		{"path", "http", "http://ca.test/crl", "", online.ErrBadURL},
		{"query", "https", "https://ca.test/?a=b", "", online.ErrBadURL},
		{"no host", "https", "https:///", "", online.ErrBadURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, base, err := online.Listen(tt.scheme, "127.0.0.1:0", tt.url)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Listen: %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			defer ln.Close()
			if !strings.HasPrefix(base, tt.want) || tt.url == "" && base != "https://"+ln.Addr().String() {
				t.Errorf("base %q, want %q (listener %s)", base, tt.want, ln.Addr())
			}
		})
	}
}

func TestPlainAddr(t *testing.T) {
	tests := []struct {
		name, addr, httpAddr string
		given                bool
		want                 string
	}{
		{"default", "127.0.0.1:8443", "127.0.0.1:8080", false, "127.0.0.1:8080"},
		{"off", "127.0.0.1:8443", "off", true, ""},
		{"off beside port 0", "127.0.0.1:0", "off", true, ""},
		{"port 0 takes the default along", "127.0.0.1:0", "127.0.0.1:8080", false, "127.0.0.1:0"},
		{"port 0 keeps a given address", "127.0.0.1:0", "127.0.0.1:9090", true, "127.0.0.1:9090"},
		{"given", "[::1]:8443", "[::1]:8080", true, "[::1]:8080"},
		{"empty is an address, not off", "127.0.0.1:8443", "", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := online.PlainAddr(tt.addr, tt.httpAddr, tt.given)
			if got != tt.want || ok != (tt.httpAddr != "off") {
				t.Errorf("PlainAddr(%q, %q, %v) = %q, %v; want %q", tt.addr, tt.httpAddr, tt.given, got, ok, tt.want)
			}
		})
	}
}
