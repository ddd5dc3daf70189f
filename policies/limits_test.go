package policies

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestMaxNames: a leaf request may carry MaxNames subject alternative names
// of any mix of kinds, and one more is refused with a single violation that
// names the count and the limit, for every leaf profile, even when every
// name would be allowed.
func TestMaxNames(t *testing.T) {
	req := func(dns, ips int) Request {
		var r Request
		for i := range dns {
			r.DNSNames = append(r.DNSNames, fmt.Sprintf("h%d.test", i))
		}
		for i := range ips {
			r.IPAddresses = append(r.IPAddresses, net.IPv4(10, 0, byte(i/250), byte(i%250+1)))
		}
		return r
	}
	tests := []struct {
		name     string
		dns, ips int
		refused  bool
	}{
		{"at the limit, DNS only", MaxNames, 0, false},
		{"at the limit, mixed", MaxNames - 10, 10, false},
		{"one over, mixed", MaxNames - 10, 11, true},
		{"ten thousand", 10000, 0, true},
	}
	for _, profile := range LeafProfiles() {
		for _, tt := range tests {
			t.Run(profile+"/"+tt.name, func(t *testing.T) {
				r := req(tt.dns, tt.ips)
				r.Profile = profile
				_, err := Default().Check(r)
				if !tt.refused {
					if err != nil {
						t.Fatalf("%d names refused: %v", tt.dns+tt.ips, err)
					}
					return
				}
				var ref *Refusal
				if !errors.As(err, &ref) || !errors.Is(err, ErrRefused) {
					t.Fatalf("err = %v, want a *Refusal", err)
				}
				if len(ref.Violations) != 1 || ref.Violations[0].Rule != ruleNames {
					t.Fatalf("violations %v, want one under rule %s", ref.Violations, ruleNames)
				}
				msg := err.Error()
				for _, want := range []string{strconv.Itoa(tt.dns + tt.ips), "at most " + strconv.Itoa(MaxNames), "names"} {
					if !strings.Contains(msg, want) {
						t.Errorf("%q does not say %q", msg, want)
					}
				}
			})
		}
	}
}

// TestLoadTooLarge: a policy file over MaxFileSize is refused as an invalid
// policy, naming the file; one at the limit is read and parsed (whatever
// its content says, it is not refused for its size).
func TestLoadTooLarge(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		size int
		says string
	}{
		{MaxFileSize + 1, "over 1048576 bytes"},
		{10 << 20, "over 1048576 bytes"},
		{MaxFileSize, ""},
	} {
		path := filepath.Join(dir, fmt.Sprintf("p%d.toml", tt.size))
		data := []byte(strings.Repeat("#", tt.size-1) + "\n")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if tt.says == "" {
			if err != nil && strings.Contains(err.Error(), "bytes (1 MiB)") {
				t.Errorf("%d bytes: refused for its size: %v", tt.size, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidPolicy) || !strings.Contains(err.Error(), tt.says) || !strings.Contains(err.Error(), path) {
			t.Errorf("%d bytes: %v; want ErrInvalidPolicy naming %s and saying %q", tt.size, err, path, tt.says)
		}
	}
}
