package policies

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/idna"
)

// DNS patterns come in three forms, all case-insensitive, IDNA-aware and
// blind to one trailing dot:
//
//	api.example.test    exactly that name
//	*.example.test      one label under example.test (a.example.test, not a.b.example.test,
//	                    not example.test)
//	.example.test       any depth under example.test (a.example.test, a.b.example.test,
//	                    not example.test itself)
//
// A requested wildcard name such as *.dev.test is a name whose left label is
// "*": "*.dev.test" matches "*.dev.test" and ".test" but not the exact
// pattern "x.dev.test". It is denied when it could stand for any denied name.
type dnsPattern struct {
	kind dnsKind
	base string // A-label form, lower case, no trailing dot
}

type dnsKind int

const (
	dnsExact    dnsKind = iota // base
	dnsWildcard                // *.base
	dnsSuffix                  // .base
)

func (p dnsPattern) String() string {
	switch p.kind {
	case dnsWildcard:
		return "*." + p.base
	case dnsSuffix:
		return "." + p.base
	}
	return p.base
}

// parseDNSPattern reads one pattern of dns.allow or dns.deny.
func parseDNSPattern(s string) (dnsPattern, error) {
	var p dnsPattern
	rest := s
	switch {
	case strings.HasPrefix(s, "*."):
		p.kind, rest = dnsWildcard, s[2:]
	case strings.HasPrefix(s, "."):
		p.kind, rest = dnsSuffix, s[1:]
	}
	base, err := normalizeHostname(rest)
	if err != nil {
		return p, fmt.Errorf("pattern %q: %w", s, err)
	}
	p.base = base
	return p, nil
}

// match reports whether the normalised name (which may start with "*.")
// matches the pattern, treating "*" as an ordinary label.
func (p dnsPattern) match(name string) bool {
	switch p.kind {
	case dnsExact:
		return name == p.base
	case dnsWildcard:
		label, parent, ok := strings.Cut(name, ".")
		return ok && label != "" && parent == p.base
	default:
		return strings.HasSuffix(name, "."+p.base) && len(name) > len(p.base)+1
	}
}

// overlaps reports whether the pattern matches any name a certificate for
// name would be valid for. For a plain name that is match; for *.parent it
// is any one-label name under parent.
func (p dnsPattern) overlaps(name string) bool {
	parent, ok := strings.CutPrefix(name, "*.")
	if !ok {
		return p.match(name)
	}
	switch p.kind {
	case dnsExact:
		label, rest, ok := strings.Cut(p.base, ".")
		return ok && label != "" && rest == parent
	case dnsWildcard:
		return p.base == parent
	default:
		return parent == p.base || strings.HasSuffix(parent, "."+p.base)
	}
}

// normalizeDNSName turns a requested name into the form a certificate
// carries: IDNA A-labels, lower case, no trailing dot. A leading "*." is kept
// (whether wildcards are allowed is a rule, not syntax).
func normalizeDNSName(s string) (string, error) {
	if rest, ok := strings.CutPrefix(s, "*."); ok {
		host, err := normalizeHostname(rest)
		if err != nil {
			return "", err
		}
		return "*." + host, nil
	}
	return normalizeHostname(s)
}

// normalizeHostname converts a host name to lower-case A-labels and checks
// it is a valid LDH host name (RFC 1123, RFC 5891) and not an IP address.
func normalizeHostname(s string) (string, error) {
	if s == "" {
		return "", errors.New("empty name")
	}
	s = strings.TrimSuffix(s, ".")
	if _, err := netip.ParseAddr(s); err == nil {
		return "", errors.New("an IP address belongs in the IP addresses, not the DNS names")
	}
	a, err := idna.Lookup.ToASCII(s)
	if err != nil {
		return "", fmt.Errorf("not a valid host name: %w", err)
	}
	a = strings.ToLower(a)
	if err := checkLDH(a); err != nil {
		return "", err
	}
	return a, nil
}

// checkLDH checks the ASCII form after IDNA: letters, digits and inner
// hyphens, labels of 1 to 63 octets, 253 in all. idna.Lookup does not check
// lengths, and this second look costs nothing.
func checkLDH(a string) error {
	if len(a) == 0 || len(a) > 253 {
		return fmt.Errorf("name is %d octets long, want 1 to 253", len(a))
	}
	for label := range strings.SplitSeq(a, ".") {
		if len(label) == 0 {
			return errors.New("empty label")
		}
		if len(label) > 63 {
			return fmt.Errorf("label %q is over 63 octets", label)
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("label %q starts or ends with a hyphen", label)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("label %q has character %q", label, c)
			}
		}
	}
	last := a[strings.LastIndexByte(a, '.')+1:]
	if strings.Trim(last, "0123456789") == "" {
		return fmt.Errorf("last label %q is all digits", last)
	}
	return nil
}
