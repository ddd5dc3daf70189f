package policies

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// MaxNames is the most subject alternative names one leaf request may
// carry, a hard limit that no policy file changes (like the RSA key sizes):
// Let's Encrypt stops at 100 names per certificate too, it is far more than
// a development or service certificate needs, and every name costs a check
// here and a comparison in every client that verifies the certificate.
const MaxNames = 100

// Request is what someone asks the CA to sign: the names and key of a CSR
// or of `localca issue`, and a profile. Nothing else of a CSR matters: the
// certificate is built from the Decision.
type Request struct {
	Profile        string // "" means server
	CommonName     string // leaves: checked like a SAN (DNS name or IP); intermediates: a display name
	DNSNames       []string
	IPAddresses    []net.IP
	EmailAddresses []string
	URIs           []*url.URL
	PublicKey      crypto.PublicKey // *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey; nil skips the key rules
	Validity       time.Duration    // requested; 0 means the profile's default
}

// Decision is what the CA will issue: everything the certificate's
// extensions need, and the names in the form they go into it.
type Decision struct {
	Profile     string
	Validity    time.Duration      // the validity to issue
	KeyUsage    x509.KeyUsage      // for a leaf without a PublicKey in the request: digitalSignature
	ExtKeyUsage []x509.ExtKeyUsage // none for intermediate
	IsCA        bool
	MaxPathLen  int // intermediate: 0 (it signs leaves only)

	// The names as they will be put in the certificate: lower case, no
	// trailing dot, IDNA A-labels, duplicates removed. A leaf's CommonName
	// is also among the SANs (clients ignore the CN), added if missing.
	CommonName     string
	DNSNames       []string
	IPAddresses    []net.IP
	EmailAddresses []string
	URIs           []*url.URL
}

// Names lists the names to be issued in certificate order: DNS names, IP
// addresses, email addresses, URIs. A token's allow-list and a person
// reading `policy check` both see them so.
func (d *Decision) Names() []string {
	out := append([]string(nil), d.DNSNames...)
	for _, ip := range d.IPAddresses {
		out = append(out, ip.String())
	}
	out = append(out, d.EmailAddresses...)
	for _, u := range d.URIs {
		out = append(out, u.String())
	}
	return out
}

// AddName sorts a name typed by a user into the request: a URI when it has
// "://", an email address when it has "@", an IP address when it parses as
// one, a DNS name otherwise. It does not check the name; Check does.
func (r *Request) AddName(name string) {
	switch {
	case strings.Contains(name, "://"):
		u, err := url.Parse(name)
		if err != nil {
			// Keep it, opaque, so Check refuses it under uri.syntax and
			// names the value.
			u = &url.URL{Opaque: name}
		}
		r.URIs = append(r.URIs, u)
	case strings.Contains(name, "@"):
		r.EmailAddresses = append(r.EmailAddresses, name)
	case net.ParseIP(name) != nil:
		r.IPAddresses = append(r.IPAddresses, net.ParseIP(name))
	default:
		r.DNSNames = append(r.DNSNames, name)
	}
}

// RequestFromCSR takes the names and public key of a CSR (whose signature
// the caller has checked). Extensions of the CSR are ignored on purpose.
func RequestFromCSR(csr *x509.CertificateRequest, profile string) Request {
	return Request{
		Profile:        profile,
		CommonName:     csr.Subject.CommonName,
		DNSNames:       csr.DNSNames,
		IPAddresses:    csr.IPAddresses,
		EmailAddresses: csr.EmailAddresses,
		URIs:           csr.URIs,
		PublicKey:      csr.PublicKey,
	}
}

// Check decides a request. It returns the Decision, or a *Refusal listing
// every violation (errors.Is(err, ErrRefused)). An unknown profile is
// ErrUnknownProfile; a Policy built in code with a bad pattern is
// ErrInvalidPolicy.
func (p *Policy) Check(req Request) (*Decision, error) {
	c, err := p.compile(req.Profile)
	if err != nil {
		return nil, err
	}
	var vs []Violation
	d := &Decision{Profile: c.name}

	d.Validity, vs = c.validity(req.Validity, vs)
	if req.PublicKey != nil {
		vs = append(vs, p.Key.violations(req.PublicKey, c.name)...)
	}
	if c.name == ProfileIntermediate {
		d.IsCA = true
		d.MaxPathLen = 0
		d.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
		d.CommonName = strings.TrimSpace(req.CommonName)
		if len(req.DNSNames)+len(req.IPAddresses)+len(req.EmailAddresses)+len(req.URIs) > 0 {
			vs = append(vs, Violation{Profile: c.name, Rule: ruleNames,
				Value: "an intermediate carries no subject alternative names", Allowed: "none; its name constraints come from the leaf profiles"})
		}
	} else if n := len(req.DNSNames) + len(req.IPAddresses) + len(req.EmailAddresses) + len(req.URIs); n > MaxNames {
		// Refused before any name is looked at: a CSR with 10,000 names
		// must not cost 10,000 checks, nor a refusal listing each.
		return nil, &Refusal{Violations: []Violation{{Profile: c.name, Rule: ruleNames,
			Value: fmt.Sprintf("%d subject alternative names requested", n), Allowed: fmt.Sprintf("at most %d", MaxNames)}}}
	} else {
		vs = c.names(req, d, vs)
		d.KeyUsage = leafKeyUsage(req.PublicKey, c.name)
		switch c.name {
		case ProfileServer:
			d.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		case ProfileClient:
			d.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		case ProfilePeer:
			d.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
		case ProfileFixtures:
			// The good fixture's usages; the broken cases change them.
			d.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		}
	}
	if len(vs) > 0 {
		return nil, &Refusal{Violations: dedupe(vs)}
	}
	return d, nil
}

// leafKeyUsage follows the key type: RSA keys may also encipher keys (RSA
// key transport in TLS 1.2); ECDSA and Ed25519 keys only sign.
// leafKeyUsage follows the key type (RSA can also encipher the TLS 1.2 RSA
// key exchange's premaster secret; ECDSA and Ed25519 only sign) and the
// profile: a client-only certificate never receives an encrypted key (a
// client proves its key by signing CertificateVerify), and RFC 5280
// §4.2.1.12 asks key usage and extended key usage to agree, so it gets
// digitalSignature alone.
func leafKeyUsage(pub crypto.PublicKey, profile string) x509.KeyUsage {
	if _, ok := pub.(*rsa.PublicKey); ok && profile != ProfileClient {
		return x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	}
	return x509.KeyUsageDigitalSignature
}

func (c *compiled) validity(asked time.Duration, vs []Violation) (time.Duration, []Violation) {
	v := c.rules.Validity
	switch {
	case asked == 0:
		return time.Duration(v.Default), vs
	case asked < 0:
		return 0, append(vs, Violation{Profile: c.name, Rule: ruleValidity, Value: asked.String(), Allowed: "a positive duration"})
	case asked > time.Duration(v.Max):
		return 0, append(vs, Violation{Profile: c.name, Rule: ruleValidityMax, Value: Duration(asked).String(), Allowed: v.Max.String()})
	}
	return asked, vs
}

// names checks every name of a leaf request and fills the decision.
func (c *compiled) names(req Request, d *Decision, vs []Violation) []Violation {
	r := c.rules
	addDNS := func(name string) bool {
		n, err := normalizeDNSName(name)
		if err != nil {
			vs = append(vs, Violation{Profile: c.name, Rule: ruleDNSSyntax, Value: name, Allowed: err.Error()})
			return false
		}
		ok := true
		if strings.HasPrefix(n, "*.") && !r.Wildcards {
			vs = append(vs, Violation{Profile: c.name, Rule: ruleWildcards, Value: name, Allowed: "false"})
			ok = false
		}
		var listed bool
		vs, listed = c.screen(name,
			slices.ContainsFunc(c.dnsAllow, func(p dnsPattern) bool { return p.match(n) }), ruleDNSAllow, r.DNS.Allow,
			firstMatch(c.dnsDeny, func(p dnsPattern) bool { return p.overlaps(n) }), ruleDNSDeny, vs)
		ok = ok && listed
		var fine bool
		vs, fine = c.fixtureViolation(n, vs)
		ok = ok && fine
		if ok && !slices.Contains(d.DNSNames, n) {
			d.DNSNames = append(d.DNSNames, n)
		}
		return ok
	}
	addIP := func(ip net.IP) bool {
		a, err := normalizeIP(ip)
		if err != nil {
			vs = append(vs, Violation{Profile: c.name, Rule: ruleIPSyntax, Value: ipString(ip), Allowed: err.Error()})
			return false
		}
		var ok bool
		vs, ok = c.screen(a.String(),
			slices.ContainsFunc(c.ipAllow, func(p netip.Prefix) bool { return p.Contains(a) }), ruleIPAllow, r.IP.Allow,
			firstMatch(c.ipDeny, func(p netip.Prefix) bool { return p.Contains(a) }), ruleIPDeny, vs)
		if ok && !slices.ContainsFunc(d.IPAddresses, func(x net.IP) bool { return x.Equal(a.AsSlice()) }) {
			d.IPAddresses = append(d.IPAddresses, net.IP(a.AsSlice()))
		}
		return ok
	}

	if cn := strings.TrimSpace(req.CommonName); cn != "" {
		if ip := net.ParseIP(cn); ip != nil {
			if addIP(ip) {
				d.CommonName = ipString(ip)
			}
		} else if addDNS(cn) {
			d.CommonName, _ = normalizeDNSName(cn)
		}
	}
	for _, n := range req.DNSNames {
		addDNS(n)
	}
	for _, ip := range req.IPAddresses {
		addIP(ip)
	}
	for _, e := range req.EmailAddresses {
		vs = c.email(e, d, vs)
	}
	for _, u := range req.URIs {
		vs = c.uri(u, d, vs)
	}
	if strings.TrimSpace(req.CommonName) == "" && len(req.DNSNames)+len(req.IPAddresses)+len(req.EmailAddresses)+len(req.URIs) == 0 {
		vs = append(vs, Violation{Profile: c.name, Rule: ruleNames,
			Value: "a leaf certificate must carry at least one name", Allowed: "a DNS name, IP address, email address or URI"})
	}
	return vs
}

func (c *compiled) email(e string, d *Decision, vs []Violation) []Violation {
	n, err := normalizeEmail(e)
	if err != nil {
		return append(vs, Violation{Profile: c.name, Rule: ruleEmailSyntax, Value: e, Allowed: err.Error()})
	}
	match := func(p emailPattern) bool { return p.match(n) }
	vs, ok := c.screen(e, slices.ContainsFunc(c.mailAllow, match), ruleEmailAllow, c.rules.Email.Allow,
		firstMatch(c.mailDeny, match), ruleEmailDeny, vs)
	var fine bool
	vs, fine = c.fixtureViolation(n[strings.LastIndexByte(n, '@')+1:], vs)
	if ok && fine && !slices.Contains(d.EmailAddresses, n) {
		d.EmailAddresses = append(d.EmailAddresses, n)
	}
	return vs
}

func (c *compiled) uri(u *url.URL, d *Decision, vs []Violation) []Violation {
	shown := fmt.Sprint(u)
	n, err := normalizeURI(u)
	if err != nil {
		return append(vs, Violation{Profile: c.name, Rule: ruleURISyntax, Value: shown, Allowed: err.Error()})
	}
	match := func(p uriPattern) bool { return p.match(n) }
	vs, ok := c.screen(shown, slices.ContainsFunc(c.uriAllow, match), ruleURIAllow, c.rules.URI.Allow,
		firstMatch(c.uriDeny, match), ruleURIDeny, vs)
	var fine bool
	vs, fine = c.fixtureViolation(n.Hostname(), vs)
	if ok && fine && !slices.ContainsFunc(d.URIs, func(x *url.URL) bool { return x.String() == n.String() }) {
		d.URIs = append(d.URIs, n)
	}
	return vs
}

// dedupe drops repeated violations: a common name that is also a SAN (as in
// every CSR `localca issue` makes) is checked twice, and should be reported
// once.
func dedupe(vs []Violation) []Violation {
	seen := make(map[Violation]bool, len(vs))
	out := vs[:0]
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// screen turns one name's allow and deny results into violations, the same
// way for every kind of name: allowed says whether one of the kind's allow
// patterns matched (allowList is what the policy lists), denied is the deny
// pattern that matched, "" when none did. It reports whether the name
// passed both.
func (c *compiled) screen(value string, allowed bool, allowRule string, allowList []string, denied, denyRule string, vs []Violation) ([]Violation, bool) {
	if !allowed {
		vs = append(vs, Violation{Profile: c.name, Rule: allowRule, Value: value, Allowed: list(allowList)})
	}
	if denied != "" {
		vs = append(vs, Violation{Profile: c.name, Rule: denyRule, Value: value, Allowed: denied})
	}
	return vs, allowed && denied == ""
}

// firstMatch is the first pattern of ps that matches, as the policy spells
// it, or "".
func firstMatch[P fmt.Stringer](ps []P, matches func(P) bool) string {
	if i := slices.IndexFunc(ps, matches); i >= 0 {
		return ps[i].String()
	}
	return ""
}
