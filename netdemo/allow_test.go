package netdemo

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net"
	"net/url"
	"testing"
)

func allowTestCert(t *testing.T) *x509.Certificate {
	t.Helper()
	u, err := url.Parse("spiffe://localca.test/web")
	if err != nil {
		t.Fatal(err)
	}
	return &x509.Certificate{
		Subject:        pkix.Name{CommonName: "Web Client"},
		DNSNames:       []string{"Web.LocalCA.test"},
		URIs:           []*url.URL{u},
		IPAddresses:    []net.IP{net.ParseIP("10.1.2.3")},
		EmailAddresses: []string{"Ops@LocalCA.test"},
	}
}

func TestAllowRules(t *testing.T) {
	c := allowTestCert(t)
	tests := []struct {
		rule string
		want bool
	}{
		{"dns:web.localca.test", true},
		{"dns:WEB.localca.test.", true},
		{"dns:*.localca.test", true},
		{"dns:*.test", false}, // a wildcard label matches exactly one label
		{"dns:api.localca.test", false},
		{"uri:spiffe://localca.test/web", true},
		{"uri:spiffe://localca.test/*", true},
		{"uri:spiffe://other.test/*", false},
		{"uri:spiffe://localca.test/web*", false}, // '*' needs a non-empty rest
		{"ip:10.1.2.3", true},
		{"ip:10.0.0.0/8", true},
		{"ip:192.168.0.0/16", false},
		{"email:ops@localca.test", true},
		{"cn:Web Client", true},
		{"cn:web client", false},
		{"web.localca.test", true},
		{"spiffe://localca.test/web", true},
		{"10.1.2.3", true},
		{"Web Client", false}, // a bare value matches SANs, never the CN
		{"other.localca.test", false},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			rules, err := ParseAllowRules([]string{tt.rule})
			if err != nil {
				t.Fatal(err)
			}
			err = rules.Allow(c)
			if got := err == nil; got != tt.want {
				t.Fatalf("Allow = %v, want allowed=%v", err, tt.want)
			}
			if err != nil && !errors.Is(err, ErrNotAllowed) {
				t.Fatalf("error %v does not wrap ErrNotAllowed", err)
			}
		})
	}
}

func TestAllowRulesEmptyAllowsAll(t *testing.T) {
	var rules AllowRules
	if err := rules.Allow(allowTestCert(t)); err != nil {
		t.Fatalf("empty rules refused: %v", err)
	}
}

func TestParseAllowRulesErrors(t *testing.T) {
	for _, bad := range []string{"", "dns:", "ip:not-an-ip", "ip:10.0.0.0/99", "dns:a.*.test", "uri:spiffe://*/x"} {
		t.Run(bad, func(t *testing.T) {
			_, err := ParseAllowRules([]string{bad})
			if !errors.Is(err, ErrBadAllowRule) {
				t.Fatalf("ParseAllowRules(%q) = %v, want ErrBadAllowRule", bad, err)
			}
		})
	}
}

func FuzzParseAllowRules(f *testing.F) {
	for _, s := range []string{"dns:*.localca.test", "uri:spiffe://localca.test/*", "ip:10.0.0.0/8", "cn:x", "x", "email:a@b", ":", "dns:*.", "*"} {
		f.Add(s)
	}
	c := &x509.Certificate{DNSNames: []string{"a.localca.test"}, IPAddresses: []net.IP{net.IPv4(10, 0, 0, 1)}}
	f.Fuzz(func(t *testing.T, s string) {
		rules, err := ParseAllowRules([]string{s})
		if err != nil {
			if !errors.Is(err, ErrBadAllowRule) {
				t.Fatalf("error %v does not wrap ErrBadAllowRule", err)
			}
			return
		}
		if len(rules) != 1 || rules[0].Pattern == "" {
			t.Fatalf("parsed %q into %#v", s, rules)
		}
		// Re-parsing the printed form gives the same rule.
		again, err := ParseAllowRules([]string{rules[0].String()})
		if err != nil || again[0].Kind != rules[0].Kind || again[0].Pattern != rules[0].Pattern {
			t.Fatalf("round trip of %q: %v, %#v vs %#v", s, err, again, rules)
		}
		_ = rules.Allow(c) // must not panic
	})
}
