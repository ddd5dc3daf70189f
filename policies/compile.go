package policies

import (
	"fmt"
	"net/netip"
	"strings"
)

// compiled holds a profile's patterns in matchable form.
type compiled struct {
	name                string
	rules               *ProfileRules
	dnsAllow, dnsDeny   []dnsPattern
	ipAllow, ipDeny     []netip.Prefix
	mailAllow, mailDeny []emailPattern
	uriAllow, uriDeny   []uriPattern
}

// patternError is a bad pattern with the key path and the pattern itself,
// so Parse can find its line.
type patternError struct {
	key, value string
	err        error
}

func (e *patternError) Error() string { return e.key + ": " + e.err.Error() }

// compileProfile parses every pattern of a profile and reports all the bad
// ones; prefix is the key path of the profile ("profiles.server").
func compileProfile(name string, r *ProfileRules) (*compiled, []*patternError) {
	c := &compiled{name: name, rules: r}
	var errs []*patternError
	prefix := "profiles." + name + "."
	each := func(key string, list []string, parse func(string) error) {
		for _, s := range list {
			if err := parse(s); err != nil {
				errs = append(errs, &patternError{key: prefix + key, value: s, err: err})
			}
		}
	}
	each(ruleDNSAllow, r.DNS.Allow, func(s string) error { return addPattern(&c.dnsAllow, s, parseDNSPattern) })
	each(ruleDNSDeny, r.DNS.Deny, func(s string) error { return addPattern(&c.dnsDeny, s, parseDNSPattern) })
	each(ruleIPAllow, r.IP.Allow, func(s string) error { return addPattern(&c.ipAllow, s, parseIPPattern) })
	each(ruleIPDeny, r.IP.Deny, func(s string) error { return addPattern(&c.ipDeny, s, parseIPPattern) })
	each(ruleEmailAllow, r.Email.Allow, func(s string) error { return addPattern(&c.mailAllow, s, parseEmailPattern) })
	each(ruleEmailDeny, r.Email.Deny, func(s string) error { return addPattern(&c.mailDeny, s, parseEmailPattern) })
	each(ruleURIAllow, r.URI.Allow, func(s string) error { return addPattern(&c.uriAllow, s, parseURIPattern) })
	each(ruleURIDeny, r.URI.Deny, func(s string) error { return addPattern(&c.uriDeny, s, parseURIPattern) })
	return c, errs
}

func addPattern[T any](list *[]T, s string, parse func(string) (T, error)) error {
	p, err := parse(s)
	if err != nil {
		return err
	}
	*list = append(*list, p)
	return nil
}

// compile compiles a profile for Check, turning bad patterns (possible only
// in a Policy built in code, as Parse refuses them) into ErrInvalidPolicy.
func (p *Policy) compile(name string) (*compiled, error) {
	r, err := p.Profile(name)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = ProfileServer
	}
	c, errs := compileProfile(name, r)
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return nil, fmt.Errorf("%w: %s", ErrInvalidPolicy, strings.Join(msgs, "; "))
	}
	return c, nil
}

// list prints an allow list for a violation message.
func list(items []string) string { return strings.Join(items, ", ") }
