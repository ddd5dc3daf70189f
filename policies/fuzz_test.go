package policies

import (
	"errors"
	"net"
	"net/netip"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/idna"
)

// refDNSMatch is a second, independent reading of the DNS pattern rules,
// by regular expression over names that refNormalize produced.
func refDNSMatch(pattern, name string) bool {
	var re string
	switch {
	case strings.HasPrefix(pattern, "*."):
		re = `^[^.]+\.` + regexp.QuoteMeta(refNormalize(pattern[2:])) + `$`
	case strings.HasPrefix(pattern, "."):
		re = `^.+\.` + regexp.QuoteMeta(refNormalize(pattern[1:])) + `$`
	default:
		re = `^` + regexp.QuoteMeta(refNormalize(pattern)) + `$`
	}
	return regexp.MustCompile(re).MatchString(name)
}

// refNormalize lower-cases, drops one trailing dot and converts to A-labels.
func refNormalize(s string) string {
	s = strings.TrimSuffix(s, ".")
	wild := strings.HasPrefix(s, "*.")
	if wild {
		s = s[2:]
	}
	a, err := idna.Lookup.ToASCII(s)
	if err != nil {
		return "\x00invalid"
	}
	if wild {
		a = "*." + a
	}
	return strings.ToLower(a)
}

// FuzzMatch checks the matcher's promise: a name that Check accepts
// matches an allow pattern and no deny pattern, by a reference matcher that
// shares no code with the real one; and a valid name the reference says is
// allowed and not denied is accepted. IP addresses are checked the same way
// against the ranges.
func FuzzMatch(f *testing.F) {
	seeds := [][3]string{
		{"api.dev.test", ".test", "secret.test"},
		{"API.Dev.Test.", "*.dev.test", ".prod.test"},
		{"bücher.test", "xn--bcher-kva.test", "x.test"},
		{"*.dev.test", ".test", "secret.dev.test"},
		{"*.dev.test", "*.dev.test", ".dev.test"},
		{"a.b.localhost", "*.localhost", "localhost"},
		{"example.com", "localhost", ".test"},
		{"10.1.2.3", "10.0.0.0/8", "10.1.0.0/16"},
		{"::ffff:10.1.2.3", "10.0.0.0/8", "10.2.0.0/16"},
		{"fd00::1", "fc00::/7", "fd00::/128"},
		{"xn--zz.test", ".test", "a.test"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, name, allow, deny string) {
		if ip := net.ParseIP(name); ip != nil {
			fuzzIP(t, ip, allow, deny)
			return
		}
		if _, err := parseDNSPattern(allow); err != nil {
			return
		}
		if _, err := parseDNSPattern(deny); err != nil {
			return
		}
		p := &Policy{
			Key: Default().Key,
			Profiles: Profiles{Server: &ProfileRules{
				Validity:  ValidityRules{Default: Duration(Day), Max: Duration(Day)},
				Wildcards: true,
				DNS:       NameRules{Allow: []string{allow}, Deny: []string{deny}},
			}},
		}
		d, err := p.Check(Request{DNSNames: []string{name}})
		if err != nil {
			if !strings.Contains(name, "*") && checkLDH(refNormalize(name)) == nil && !isIP(refNormalize(name)) &&
				refDNSMatch(allow, refNormalize(name)) && !refDNSMatch(deny, refNormalize(name)) {
				t.Fatalf("%q refused under allow %q deny %q, which the reference accepts: %v", name, allow, deny, err)
			}
			return
		}
		if len(d.DNSNames) != 1 {
			t.Fatalf("accepted %q as %q", name, d.DNSNames)
		}
		n := d.DNSNames[0]
		if n != refNormalize(name) {
			t.Fatalf("%q normalised to %q, reference %q", name, n, refNormalize(name))
		}
		if err := checkLDH(strings.TrimPrefix(n, "*.")); err != nil {
			t.Fatalf("accepted %q as %q: %v", name, n, err)
		}
		if !refDNSMatch(allow, n) {
			t.Fatalf("accepted %q (%q) which does not match allow %q", name, n, allow)
		}
		if refDNSMatch(deny, n) {
			t.Fatalf("accepted %q (%q) which matches deny %q", name, n, deny)
		}
		if strings.HasPrefix(n, "*.") && refDNSMatch(deny, "x"+n[1:]) {
			t.Fatalf("accepted wildcard %q that covers %q, denied by %q", n, "x"+n[1:], deny)
		}
	})
}

func isIP(s string) bool { _, err := netip.ParseAddr(s); return err == nil }

// fuzzIP checks an address against a range the slow way: compare the
// masked bits one by one.
func fuzzIP(t *testing.T, ip net.IP, allow, deny string) {
	pa, err := parseIPPattern(allow)
	if err != nil {
		return
	}
	pd, err := parseIPPattern(deny)
	if err != nil {
		return
	}
	p := Default()
	p.Profiles.Server.IP = NameRules{Allow: []string{allow}, Deny: []string{deny}}
	d, err := p.Check(Request{IPAddresses: []net.IP{ip}})
	in := func(pr netip.Prefix) bool {
		a, _ := netip.AddrFromSlice(ip)
		a = a.Unmap()
		x, y := a.AsSlice(), pr.Addr().AsSlice()
		if len(x) != len(y) {
			return false
		}
		for i := 0; i < pr.Bits(); i++ {
			if (x[i/8]^y[i/8])&(0x80>>(i%8)) != 0 {
				return false
			}
		}
		return true
	}
	want := in(pa) && !in(pd) && !ip.IsUnspecified()
	if (err == nil) != want {
		t.Fatalf("%v under allow %q deny %q: accepted %v, reference %v (%v)", ip, allow, deny, err == nil, want, err)
	}
	if err == nil && !d.IPAddresses[0].Equal(ip) {
		t.Fatalf("%v issued as %v", ip, d.IPAddresses[0])
	}
}

// FuzzParse feeds arbitrary files to Parse: it must not panic; a refusal
// is a *ParseError (matching ErrInvalidPolicy); what it accepts must
// survive Encode (what `policy show` prints) and Parse unchanged, and every
// profile it defines must compile, so that Check never meets a bad pattern
// at signing time.
func FuzzParse(f *testing.F) {
	def, _ := Default().Encode()
	f.Add(string(def))
	f.Add("[key]\nalgorithms = [\"rsa\"]\nrsa_min_bits = 2048\nrsa_max_bits = 4096\n[profiles.client]\nvalidity.default = \"1h\"\nvalidity.max = \"2h\"\nemail.allow = [\"a@b.test\"]\n")
	f.Add("[profiles.server]\nvalidity = { default = \"1d\", max = \"2d\" }\n")
	f.Fuzz(func(t *testing.T, file string) {
		p, err := Parse([]byte(file))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("Parse refused with %T, not a *ParseError: %v", err, err)
			}
			return
		}
		for _, name := range ProfileNames() {
			if r, _ := p.Profile(name); r == nil {
				continue
			}
			if _, err := p.compile(name); err != nil {
				t.Fatalf("profile %s of an accepted policy does not compile: %v\n%s", name, err, file)
			}
		}
		out, err := p.Encode()
		if err != nil {
			t.Fatalf("Encode of a parsed policy: %v", err)
		}
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(Encode()): %v\n%s", err, out)
		}
		if !reflect.DeepEqual(p, back) {
			t.Fatalf("round trip changed the policy\n%s", out)
		}
	})
}
