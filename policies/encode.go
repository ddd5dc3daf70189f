package policies

import (
	"bytes"
	"fmt"
	"strings"
)

// Encode prints the policy as a commented policy file, the format Parse
// reads; Parse(Encode()) gives back an equal policy. `localca policy show`
// prints this.
func (p *Policy) Encode() ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`# localca policy: what this CA may sign. See "localca policy check".
#
# DNS patterns: "name" is exactly that name, "*.name" one label under it,
# ".name" any depth under it (not name itself). Deny lists win over allow
# lists; an empty allow list allows nothing.

[key]
`)
	fmt.Fprintf(&b, "algorithms = %s\n", tomlArray(p.Key.Algorithms, ""))
	fmt.Fprintf(&b, "curves = %s\n", tomlArray(p.Key.Curves, ""))
	fmt.Fprintf(&b, "rsa_min_bits = %d\n", p.Key.RSAMinBits)
	fmt.Fprintf(&b, "rsa_max_bits = %d\n", p.Key.RSAMaxBits)
	for _, name := range ProfileNames() {
		r, err := p.Profile(name)
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "\n[profiles.%s]\n", name)
		fmt.Fprintf(&b, "validity.default = %s\n", tomlString(r.Validity.Default.String()))
		fmt.Fprintf(&b, "validity.max = %s\n", tomlString(r.Validity.Max.String()))
		if name == ProfileIntermediate {
			continue
		}
		fmt.Fprintf(&b, "wildcards = %t\n", r.Wildcards)
		for _, nr := range []struct {
			key   string
			rules NameRules
		}{{"dns", r.DNS}, {"ip", r.IP}, {"email", r.Email}, {"uri", r.URI}} {
			fmt.Fprintf(&b, "%s.allow = %s\n", nr.key, tomlArray(nr.rules.Allow, nr.key+".allow = "))
			fmt.Fprintf(&b, "%s.deny = %s\n", nr.key, tomlArray(nr.rules.Deny, nr.key+".deny = "))
		}
	}
	return b.Bytes(), nil
}

// MarshalText is Encode, for encoding.TextMarshaler users.
func (p *Policy) MarshalText() ([]byte, error) { return p.Encode() }

// tomlArray prints a string array on one line when it fits in 80 columns
// after lead, one item per line otherwise.
func tomlArray(items []string, lead string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = tomlString(s)
	}
	one := "[" + strings.Join(quoted, ", ") + "]"
	if len(lead)+len(one) <= 80 {
		return one
	}
	return "[\n  " + strings.Join(quoted, ",\n  ") + ",\n]"
}

// tomlString quotes s as a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
