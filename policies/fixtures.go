package policies

import "strings"

// ProfileFixtures is the built-in profile of the broken-on-purpose test
// certificates (`localca demo bad-server`, `localca issue --broken`). It is
// not read from the policy file: it allows names of the form
// CASE.bad.localca.test and nothing else (no IP address, so
// never a loopback one; no email, no URI, no wildcard). Every other profile
// refuses every name under FixtureDomain, whatever the policy file says, so
// no other path can issue a certificate that would make a fixture name
// valid, and a fixture can never be valid for a real name.
const ProfileFixtures = "fixtures"

// FixtureDomain is the domain under which every fixture is named: the
// broken cases of `localca demo bad-server` are CASE.bad.localca.test.
// localca.test is the zone `localca dns serve` answers by default (.test is
// reserved by RFC 6761, so no public name is under it).
const FixtureDomain = "bad.localca.test"

// ruleFixtures is the hard rule that keeps fixture names to the fixtures
// profile; like MaxNames it is not in the policy file.
const ruleFixtures = "fixtures"

// IsFixtureName reports whether a DNS name (or an email's or URI's host) is
// FixtureDomain or under it. Case and a trailing dot do not matter.
func IsFixtureName(name string) bool {
	n := strings.TrimSuffix(strings.ToLower(name), ".")
	return n == FixtureDomain || strings.HasSuffix(n, "."+FixtureDomain)
}

// fixtureRules are the fixtures profile's rules: names under FixtureDomain
// (a case may have a dot, as tls1.0 does), validity up to 398 days (the
// expired and not-yet-valid fixtures set their dates themselves, outside
// Check).
func fixtureRules() *ProfileRules {
	return &ProfileRules{
		Validity: ValidityRules{Default: Duration(90 * Day), Max: Duration(398 * Day)},
		DNS:      NameRules{Allow: []string{"." + FixtureDomain}},
	}
}

// fixtureViolation refuses a fixture name (a DNS name, or the host of an
// email address or URI) asked of any profile but fixtures, and reports
// whether the name passed.
func (c *compiled) fixtureViolation(name string, vs []Violation) ([]Violation, bool) {
	if c.name == ProfileFixtures || !IsFixtureName(name) {
		return vs, true
	}
	return append(vs, Violation{Profile: c.name, Rule: ruleFixtures, Value: name,
		Allowed: "names under " + FixtureDomain + " are for the fixtures profile only (localca demo bad-server)"}), false
}
