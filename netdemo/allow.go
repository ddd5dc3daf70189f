package netdemo

import (
	"crypto/x509"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/localca/localca/internal/serialhex"
)

// AllowKind says which part of a certificate an AllowRule looks at.
type AllowKind string

// The kinds of allow rule. A rule written without a known "kind:" prefix is
// AllowAnySAN.
const (
	AllowDNS    AllowKind = "dns"   // a DNS SAN
	AllowURI    AllowKind = "uri"   // a URI SAN, e.g. a SPIFFE ID
	AllowIP     AllowKind = "ip"    // an IP SAN, or an IP SAN within a CIDR
	AllowEmail  AllowKind = "email" // an email SAN
	AllowCN     AllowKind = "cn"    // the subject common name (legacy; prefer SANs)
	AllowAnySAN AllowKind = "any"   // any DNS, URI, IP or email SAN
)

// AllowRule is one --allow rule. Patterns are exact matches, except:
//   - dns: a leading "*." matches exactly one label ("*.localca.test" matches
//     "web.localca.test", not "a.web.localca.test"); DNS names compare
//     case-insensitively.
//   - any kind: a trailing "*" matches any non-empty rest, so
//     "uri:spiffe://localca.test/*" matches every SPIFFE ID of that trust domain.
//   - ip: a CIDR ("ip:10.0.0.0/8") matches every address inside it.
type AllowRule struct {
	Kind    AllowKind
	Pattern string
	cidr    *net.IPNet
}

// String returns the rule in the form ParseAllowRules reads.
func (r AllowRule) String() string {
	if r.Kind == AllowAnySAN {
		return r.Pattern
	}
	return string(r.Kind) + ":" + r.Pattern
}

// AllowRules is a list of rules; a peer is allowed if any rule matches. An
// empty list allows every certificate that passed chain verification (that is,
// any certificate from our CA).
type AllowRules []AllowRule

// ParseAllowRules parses --allow values: "dns:NAME", "uri:URI", "ip:ADDR",
// "ip:CIDR", "email:ADDR", "cn:NAME", or a bare value matching any SAN.
func ParseAllowRules(values []string) (AllowRules, error) {
	rules := make(AllowRules, 0, len(values))
	for _, v := range values {
		r, err := parseAllowRule(v)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func parseAllowRule(v string) (AllowRule, error) {
	r := AllowRule{Kind: AllowAnySAN, Pattern: strings.TrimSpace(v)}
	if kind, rest, ok := strings.Cut(r.Pattern, ":"); ok {
		switch k := AllowKind(strings.ToLower(kind)); k {
		case AllowDNS, AllowURI, AllowIP, AllowEmail, AllowCN:
			r.Kind, r.Pattern = k, strings.TrimSpace(rest)
		}
	}
	if r.Pattern == "" {
		return AllowRule{}, fmt.Errorf("%w %q: empty pattern", ErrBadAllowRule, v)
	}
	if r.Kind != AllowCN && r.Kind != AllowAnySAN && strings.IndexFunc(r.Pattern, unicode.IsSpace) >= 0 {
		// A bare value with spaces is kept: it matches no SAN, which is
		// what its author will see; cn: is where spaces belong.
		return AllowRule{}, fmt.Errorf("%w %q: a %s name has no spaces", ErrBadAllowRule, v, r.Kind)
	}
	if strings.Contains(strings.TrimSuffix(r.Pattern, "*"), "*") && !(r.Kind == AllowDNS && strings.HasPrefix(r.Pattern, "*.")) {
		return AllowRule{}, fmt.Errorf("%w %q: '*' only as a leading \"*.\" label (dns) or as the last character", ErrBadAllowRule, v)
	}
	switch r.Kind {
	case AllowDNS:
		r.Pattern = strings.ToLower(strings.TrimSuffix(r.Pattern, "."))
		if slices.Contains(strings.Split(r.Pattern, "."), "") {
			return AllowRule{}, fmt.Errorf("%w %q: a DNS name with an empty label", ErrBadAllowRule, v)
		}
	case AllowEmail:
		r.Pattern = strings.ToLower(r.Pattern)
	case AllowIP:
		if strings.Contains(r.Pattern, "/") {
			_, n, err := net.ParseCIDR(r.Pattern)
			if err != nil {
				return AllowRule{}, fmt.Errorf("%w %q: %w", ErrBadAllowRule, v, err)
			}
			r.cidr = n
		} else if net.ParseIP(r.Pattern) == nil {
			return AllowRule{}, fmt.Errorf("%w %q: not an IP address or CIDR", ErrBadAllowRule, v)
		}
	}
	return r, nil
}

// Match reports whether the rule matches the certificate.
func (r AllowRule) Match(c *x509.Certificate) bool {
	switch r.Kind {
	case AllowDNS:
		return anyMatch(c.DNSNames, r.matchDNS)
	case AllowURI:
		for _, u := range c.URIs {
			if r.matchString(u.String()) {
				return true
			}
		}
		return false
	case AllowIP:
		for _, ip := range c.IPAddresses {
			if r.matchIP(ip) {
				return true
			}
		}
		return false
	case AllowEmail:
		return anyMatch(c.EmailAddresses, func(s string) bool { return r.matchString(strings.ToLower(s)) })
	case AllowCN:
		return r.matchString(c.Subject.CommonName)
	case AllowAnySAN:
		for _, k := range []AllowKind{AllowDNS, AllowURI, AllowIP, AllowEmail} {
			sub := r
			sub.Kind = k
			switch k {
			case AllowDNS:
				sub.Pattern = strings.ToLower(strings.TrimSuffix(r.Pattern, "."))
			case AllowEmail:
				sub.Pattern = strings.ToLower(r.Pattern)
			}
			if k == AllowIP && net.ParseIP(r.Pattern) == nil {
				continue
			}
			if sub.Match(c) {
				return true
			}
		}
	}
	return false
}

func anyMatch(values []string, f func(string) bool) bool {
	for _, v := range values {
		if f(v) {
			return true
		}
	}
	return false
}

func (r AllowRule) matchString(s string) bool {
	if p, ok := strings.CutSuffix(r.Pattern, "*"); ok {
		return len(s) > len(p) && strings.HasPrefix(s, p)
	}
	return s == r.Pattern
}

func (r AllowRule) matchDNS(name string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if suffix, ok := strings.CutPrefix(r.Pattern, "*."); ok {
		label, rest, found := strings.Cut(name, ".")
		return found && label != "" && rest == suffix
	}
	return r.matchString(name)
}

func (r AllowRule) matchIP(ip net.IP) bool {
	if r.cidr != nil {
		return r.cidr.Contains(ip)
	}
	return ip.Equal(net.ParseIP(r.Pattern))
}

// Allow returns nil if the list is empty or any rule matches c, and otherwise
// an error wrapping ErrNotAllowed that names the certificate and the rules.
func (rs AllowRules) Allow(c *x509.Certificate) error {
	if len(rs) == 0 {
		return nil
	}
	for _, r := range rs {
		if r.Match(c) {
			return nil
		}
	}
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.String()
	}
	return fmt.Errorf("%w: %s matches none of the allow rules [%s]", ErrNotAllowed, describeCert(c), strings.Join(names, ", "))
}

// describeCert names a certificate in error messages: subject, serial, SANs.
func describeCert(c *x509.Certificate) string {
	s := fmt.Sprintf("certificate %q (serial %s", c.Subject.String(), serialhex.FormatInt(c.SerialNumber))
	var sans []string
	sans = append(sans, c.DNSNames...)
	for _, u := range c.URIs {
		sans = append(sans, u.String())
	}
	for _, ip := range c.IPAddresses {
		sans = append(sans, ip.String())
	}
	sans = append(sans, c.EmailAddresses...)
	if len(sans) > 0 {
		for i, n := range sans {
			sans[i] = strconv.Quote(n) // a client's SANs: quoted before any log
		}
		s += ", SANs " + strings.Join(sans, " ")
	}
	return s + ")"
}
