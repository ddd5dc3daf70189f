package policies

import (
	"crypto/x509"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// NameConstraints are the RFC 5280 name constraints for the intermediate, in
// crypto/x509's form: a DNS or URI domain "test" permits test and every name
// under it, ".test" only the names under it. Copy them into the
// x509.Certificate fields of the same names (and mark them critical).
type NameConstraints struct {
	PermittedDNSDomains     []string
	ExcludedDNSDomains      []string
	PermittedIPRanges       []*net.IPNet
	ExcludedIPRanges        []*net.IPNet
	PermittedURIDomains     []string
	PermittedEmailAddresses []string
}

// ApplyTo puts the constraints into a CA certificate template, marked
// critical as RFC 5280 asks, so that every CA localca makes carries them the
// same way.
func (nc NameConstraints) ApplyTo(tmpl *x509.Certificate) {
	tmpl.PermittedDNSDomainsCritical = true
	tmpl.PermittedDNSDomains = nc.PermittedDNSDomains
	tmpl.ExcludedDNSDomains = nc.ExcludedDNSDomains
	tmpl.PermittedIPRanges = nc.PermittedIPRanges
	tmpl.ExcludedIPRanges = nc.ExcludedIPRanges
	tmpl.PermittedURIDomains = nc.PermittedURIDomains
	tmpl.PermittedEmailAddresses = nc.PermittedEmailAddresses
}

// unusable is permitted when the leaf profiles allow no name of a kind: an
// empty permitted list would permit everything, and "invalid" is a
// reserved top-level domain (RFC 6761) that no real name is under.
const unusable = "invalid"

// NameConstraints builds the intermediate's constraints from the union of
// the leaf profiles' allow lists, so every name the policy allows is
// permitted, and a leaked intermediate still cannot mint a certificate for
// a public name that a client accepts. The constraints are wider than the
// policy (an exact "api.test" becomes the domain api.test and all under it;
// "*.x" becomes every name under x), because RFC 5280 has no narrower form;
// the policy stays the precise gate. Exclusions are only the deny patterns
// that every leaf profile shares and that RFC 5280 can say exactly (".x"
// suffixes and CIDR ranges), so they never exclude an allowed name.
// Patterns that do not compile are skipped (Parse refuses them).
func (p *Policy) NameConstraints() NameConstraints {
	var nc NameConstraints
	var leaves []*compiled
	for _, name := range LeafProfiles() {
		r, err := p.Profile(name)
		if err != nil {
			continue
		}
		c, _ := compileProfile(name, r)
		leaves = append(leaves, c)
	}
	var ips []netip.Prefix
	for _, c := range leaves {
		for _, d := range c.dnsAllow {
			nc.PermittedDNSDomains = append(nc.PermittedDNSDomains, dnsConstraint(d))
		}
		ips = append(ips, c.ipAllow...)
		for _, u := range c.uriAllow {
			nc.PermittedURIDomains = appendNew(nc.PermittedURIDomains, dnsConstraint(u.host))
		}
		for _, e := range c.mailAllow {
			if e.mailbox != "" {
				nc.PermittedEmailAddresses = appendNew(nc.PermittedEmailAddresses, e.mailbox)
			} else {
				nc.PermittedEmailAddresses = appendNew(nc.PermittedEmailAddresses, dnsConstraint(e.domain))
			}
		}
	}
	nc.PermittedDNSDomains = minimalDomains(nc.PermittedDNSDomains)
	nc.PermittedIPRanges = ipNets(minimalPrefixes(ips))
	nc.ExcludedDNSDomains, nc.ExcludedIPRanges = sharedExclusions(leaves)

	if len(nc.PermittedDNSDomains) == 0 {
		nc.PermittedDNSDomains = []string{unusable}
	}
	if len(nc.PermittedURIDomains) == 0 {
		nc.PermittedURIDomains = []string{unusable}
	}
	if len(nc.PermittedEmailAddresses) == 0 {
		nc.PermittedEmailAddresses = []string{unusable}
	}
	if len(nc.PermittedIPRanges) == 0 {
		// The unspecified addresses, which Check never allows.
		nc.PermittedIPRanges = ipNets([]netip.Prefix{
			netip.MustParsePrefix("0.0.0.0/32"), netip.MustParsePrefix("::/128")})
	}
	return nc
}

// dnsConstraint is the narrowest x509 domain constraint covering a pattern.
func dnsConstraint(d dnsPattern) string {
	if d.kind == dnsExact {
		return d.base
	}
	return "." + d.base
}

// covers reports whether x509 constraint a permits every name b does.
func covers(a, b string) bool {
	if a == b {
		return true
	}
	if strings.HasPrefix(a, ".") { // names under a[1:]
		return strings.HasSuffix(b, a)
	}
	// a itself and every name under it
	return strings.TrimPrefix(b, ".") == a || strings.HasSuffix(b, "."+a)
}

// minimalDomains drops duplicates and constraints covered by others.
func minimalDomains(in []string) []string {
	var out []string
	for i, d := range in {
		redundant := false
		for j, e := range in {
			if i != j && covers(e, d) && (!covers(d, e) || j < i) {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, d)
		}
	}
	return out
}

// minimalPrefixes drops duplicates and ranges inside other ranges.
func minimalPrefixes(in []netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	for i, p := range in {
		redundant := false
		for j, q := range in {
			if i != j && q.Bits() <= p.Bits() && q.Contains(p.Addr()) && (q != p || j < i) {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, p)
		}
	}
	return out
}

// sharedExclusions returns the deny patterns that every leaf profile has
// (or covers with a wider deny) and that x509 can express exactly.
func sharedExclusions(leaves []*compiled) ([]string, []*net.IPNet) {
	if len(leaves) == 0 {
		return nil, nil
	}
	var dns []string
	for _, d := range leaves[0].dnsDeny {
		if d.kind != dnsSuffix {
			continue
		}
		all := true
		for _, c := range leaves[1:] {
			if !slices.ContainsFunc(c.dnsDeny, func(e dnsPattern) bool {
				return e.kind == dnsSuffix && covers("."+e.base, "."+d.base)
			}) {
				all = false
			}
		}
		if all {
			dns = appendNew(dns, "."+d.base)
		}
	}
	var ips []netip.Prefix
	for _, p := range leaves[0].ipDeny {
		all := true
		for _, c := range leaves[1:] {
			if !slices.ContainsFunc(c.ipDeny, func(q netip.Prefix) bool {
				return q.Bits() <= p.Bits() && q.Contains(p.Addr())
			}) {
				all = false
			}
		}
		if all {
			ips = append(ips, p)
		}
	}
	return minimalDomains(dns), ipNets(minimalPrefixes(ips))
}

// ipNets converts to crypto/x509's form: four-byte IPv4 networks.
func ipNets(in []netip.Prefix) []*net.IPNet {
	var out []*net.IPNet
	for _, p := range in {
		a := p.Addr()
		out = append(out, &net.IPNet{IP: net.IP(a.AsSlice()), Mask: net.CIDRMask(p.Bits(), a.BitLen())})
	}
	return out
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
