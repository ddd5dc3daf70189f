package policies

import (
	"errors"
	"fmt"
	"strings"
)

// Email patterns follow RFC 5280's rfc822Name constraints, with the DNS
// pattern forms for the domain part:
//
//	alice@example.test   exactly that mailbox (the local part is case-sensitive)
//	example.test         any mailbox at example.test
//	*.example.test       any mailbox at a host one label under example.test
//	.example.test        any mailbox at any host under example.test
type emailPattern struct {
	mailbox string     // non-empty for the exact form
	domain  dnsPattern // otherwise
}

func (p emailPattern) String() string {
	if p.mailbox != "" {
		return p.mailbox
	}
	return p.domain.String()
}

func parseEmailPattern(s string) (emailPattern, error) {
	if strings.Contains(s, "@") {
		m, err := normalizeEmail(s)
		if err != nil {
			return emailPattern{}, fmt.Errorf("pattern %q: %w", s, err)
		}
		return emailPattern{mailbox: m}, nil
	}
	d, err := parseDNSPattern(s)
	if err != nil {
		return emailPattern{}, err
	}
	return emailPattern{domain: d}, nil
}

// match takes a normalised address.
func (p emailPattern) match(addr string) bool {
	if p.mailbox != "" {
		return addr == p.mailbox
	}
	_, domain, _ := strings.Cut(addr, "@")
	return p.domain.match(domain)
}

// normalizeEmail checks a bare address (no display name, no comments) and
// converts its domain to lower-case A-labels. The local part must be ASCII:
// an rfc822Name is an IA5String.
func normalizeEmail(s string) (string, error) {
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return "", errors.New("no @")
	}
	local, domain := s[:i], s[i+1:]
	if local == "" || len(local) > 64 {
		return "", fmt.Errorf("local part is %d octets, want 1 to 64", len(local))
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"\@()<>,;:[]`, c) >= 0 {
			return "", fmt.Errorf("local part has character %q", c)
		}
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "", errors.New("local part has a misplaced dot")
	}
	d, err := normalizeHostname(domain)
	if err != nil {
		return "", fmt.Errorf("domain: %w", err)
	}
	return local + "@" + d, nil
}
