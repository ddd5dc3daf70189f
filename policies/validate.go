package policies

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// fieldProblem is one semantic problem, named by its key path and, for list
// items, the item, so Parse can point at the line.
type fieldProblem struct {
	key, value, msg string
}

// Validate reports whether a Policy built in code is one Parse would
// accept. The error matches ErrInvalidPolicy.
func (p *Policy) Validate() error {
	var errs []error
	for _, fp := range p.problems() {
		errs = append(errs, &ParseError{Key: fp.key, Message: fp.msg})
	}
	return errors.Join(errs...)
}

// problems lists everything wrong with the policy's values.
func (p *Policy) problems() []fieldProblem {
	var out []fieldProblem
	add := func(key, value, format string, args ...any) {
		out = append(out, fieldProblem{key: key, value: value, msg: fmt.Sprintf(format, args...)})
	}
	k := p.Key
	if len(k.Algorithms) == 0 {
		add("key.algorithms", "", "no key algorithm allowed; want some of rsa, ecdsa, ed25519")
	}
	for _, a := range k.Algorithms {
		if !slices.Contains([]string{AlgorithmRSA, AlgorithmECDSA, AlgorithmEd25519}, a) {
			add("key.algorithms", a, "unknown algorithm %q; want rsa, ecdsa or ed25519", a)
		}
	}
	if slices.Contains(k.Algorithms, AlgorithmRSA) {
		if k.RSAMinBits < minRSABits {
			add("key.rsa_min_bits", "", "%d is below %d, the smallest RSA key localca will certify", k.RSAMinBits, minRSABits)
		}
		if k.RSAMaxBits < k.RSAMinBits {
			add("key.rsa_max_bits", "", "%d is less than rsa_min_bits %d", k.RSAMaxBits, k.RSAMinBits)
		}
		if k.RSAMaxBits > maxRSABits {
			add("key.rsa_max_bits", "", "%d is over %d", k.RSAMaxBits, maxRSABits)
		}
	}
	if slices.Contains(k.Algorithms, AlgorithmECDSA) && len(k.Curves) == 0 {
		add("key.curves", "", "ecdsa is allowed but no curve is; want some of %s", list(knownCurves))
	}
	for _, c := range k.Curves {
		if !slices.Contains(knownCurves, c) {
			add("key.curves", c, "unknown curve %q; want %s", c, list(knownCurves))
		}
	}

	defined := 0
	for _, name := range ProfileNames() {
		r, err := p.Profile(name)
		if err != nil {
			continue
		}
		defined++
		out = append(out, profileProblems(name, r)...)
	}
	if defined == 0 {
		add("profiles", "", "the policy defines no profile; want some of %s", list(ProfileNames()))
	}
	return out
}

func profileProblems(name string, r *ProfileRules) []fieldProblem {
	var out []fieldProblem
	prefix := "profiles." + name + "."
	add := func(key, value, format string, args ...any) {
		out = append(out, fieldProblem{key: strings.TrimSuffix(prefix+key, "."), value: value, msg: fmt.Sprintf(format, args...)})
	}
	v := r.Validity
	if v.Default <= 0 {
		add("validity.default", "", "missing or zero; want a duration like \"90d\"")
	}
	if v.Max <= 0 {
		add("validity.max", "", "missing or zero; want a duration like \"398d\"")
	} else if v.Max < v.Default {
		add("validity.max", "", "%s is less than validity.default %s", v.Max, v.Default)
	}
	if name == ProfileIntermediate {
		if r.Wildcards || len(r.DNS.Allow)+len(r.DNS.Deny)+len(r.IP.Allow)+len(r.IP.Deny)+
			len(r.Email.Allow)+len(r.Email.Deny)+len(r.URI.Allow)+len(r.URI.Deny) > 0 {
			add("", "", "an intermediate carries no names: its name constraints are built from the leaf profiles; remove wildcards, dns, ip, email and uri here")
		}
		return out
	}
	_, errs := compileProfile(name, r)
	for _, e := range errs {
		msg := e.err.Error()
		msg = strings.TrimPrefix(msg, fmt.Sprintf("pattern %q: ", e.value))
		if !strings.Contains(msg, strconv.Quote(e.value)) {
			msg = fmt.Sprintf("%q: %s", e.value, msg)
		}
		out = append(out, fieldProblem{key: e.key, value: e.value, msg: msg})
	}
	return out
}
