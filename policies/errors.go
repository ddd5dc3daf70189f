package policies

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Test for them with errors.Is; the typed errors below carry
// the details.
var (
	// ErrRefused is matched by every *Refusal: the request broke the policy.
	ErrRefused = errors.New("policy: refused")
	// ErrUnknownProfile means a profile name that the policy does not define.
	ErrUnknownProfile = errors.New("policy: unknown profile")
	// ErrInvalidPolicy is matched by every error about the policy itself: a
	// file that does not parse, an unknown key, a bad pattern or limit.
	ErrInvalidPolicy = errors.New("policy: invalid policy")
)

// Violation is one broken rule. Rule is named like the policy file's key
// (dns.allow, ip.deny, wildcards, key.rsa_min_bits, validity.max, ...), so a
// user can find the line to change.
type Violation struct {
	Profile string // the profile checked; empty for key checks outside a request
	Rule    string // the key of the rule, e.g. "dns.allow"
	Value   string // the value that broke it, e.g. "example.com"
	Allowed string // what the rule permits (an allow list, a limit) or the deny pattern that matched
}

// Error reads like
//
//	policy: name "example.com" is not allowed (profile server, dns.allow: localhost, .test)
func (v Violation) Error() string {
	var b strings.Builder
	b.WriteString("policy: ")
	b.WriteString(v.what())
	b.WriteString(" (")
	if v.Profile != "" {
		b.WriteString("profile ")
		b.WriteString(v.Profile)
		b.WriteString(", ")
	}
	b.WriteString(v.Rule)
	b.WriteString(": ")
	if v.Allowed == "" {
		b.WriteString("none")
	} else {
		b.WriteString(v.Allowed)
	}
	b.WriteString(")")
	return b.String()
}

// Is makes every violation match ErrRefused.
func (v Violation) Is(target error) bool { return target == ErrRefused }

// what describes the violation by its rule.
func (v Violation) what() string {
	switch v.Rule {
	case ruleDNSAllow:
		return fmt.Sprintf("name %q is not allowed", v.Value)
	case ruleDNSDeny:
		return fmt.Sprintf("name %q is denied", v.Value)
	case ruleDNSSyntax:
		return fmt.Sprintf("name %q is not a valid DNS name", v.Value)
	case ruleFixtures:
		return fmt.Sprintf("name %q is a broken-on-purpose fixture's", v.Value)
	case ruleWildcards:
		return fmt.Sprintf("wildcard name %q is not allowed", v.Value)
	case ruleIPAllow:
		return fmt.Sprintf("IP address %s is not allowed", v.Value)
	case ruleIPDeny:
		return fmt.Sprintf("IP address %s is denied", v.Value)
	case ruleIPSyntax:
		return fmt.Sprintf("IP address %q is not valid", v.Value)
	case ruleEmailAllow:
		return fmt.Sprintf("email address %q is not allowed", v.Value)
	case ruleEmailDeny:
		return fmt.Sprintf("email address %q is denied", v.Value)
	case ruleEmailSyntax:
		return fmt.Sprintf("email address %q is not valid", v.Value)
	case ruleURIAllow:
		return fmt.Sprintf("URI %q is not allowed", v.Value)
	case ruleURIDeny:
		return fmt.Sprintf("URI %q is denied", v.Value)
	case ruleURISyntax:
		return fmt.Sprintf("URI %q is not valid", v.Value)
	case ruleKeyAlgorithms:
		return fmt.Sprintf("key algorithm %s is not allowed", v.Value)
	case ruleKeyCurves:
		return fmt.Sprintf("ECDSA curve %s is not allowed", v.Value)
	case ruleKeyRSAMin:
		return fmt.Sprintf("RSA key of %s bits is too small", v.Value)
	case ruleKeyRSAMax:
		return fmt.Sprintf("RSA key of %s bits is too large", v.Value)
	case ruleKey:
		return fmt.Sprintf("key %s is not usable", v.Value)
	case ruleValidityMax:
		return fmt.Sprintf("validity %s is over the maximum", v.Value)
	case ruleValidity:
		return fmt.Sprintf("validity %s is not valid", v.Value)
	case ruleNames:
		return v.Value
	}
	return fmt.Sprintf("%q breaks rule %s", v.Value, v.Rule)
}

// Refusal is the error Check returns when a request breaks the policy. It
// holds every violation, not just the first, so one run of `policy check`
// tells the user everything to fix.
type Refusal struct {
	Violations []Violation
}

// Error lists every violation, one per line.
func (r *Refusal) Error() string {
	if len(r.Violations) == 0 {
		return ErrRefused.Error()
	}
	lines := make([]string, len(r.Violations))
	for i, v := range r.Violations {
		lines[i] = v.Error()
	}
	return strings.Join(lines, "\n")
}

// Is makes a refusal match ErrRefused.
func (r *Refusal) Is(target error) bool { return target == ErrRefused }

// Unwrap exposes the violations to errors.As.
func (r *Refusal) Unwrap() []error {
	errs := make([]error, len(r.Violations))
	for i, v := range r.Violations {
		errs[i] = v
	}
	return errs
}

// ParseError is one problem in a policy file. Line is 0 when it could not be
// found; Key is the dotted key path (profiles.server.dns.allow) when known.
type ParseError struct {
	File    string
	Line    int
	Key     string
	Message string
}

// Error reads like
//
//	policy: policy.toml:12: profiles.server.ip.allow: "10.0.0.0/33" is not a CIDR range
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("policy: ")
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		fmt.Fprintf(&b, "%s: ", e.File)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	default:
		b.WriteString("invalid policy: ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Unwrap makes every ParseError match ErrInvalidPolicy.
func (e *ParseError) Unwrap() error { return ErrInvalidPolicy }
