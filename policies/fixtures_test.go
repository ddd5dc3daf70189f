package policies_test

import (
	"errors"
	"net"
	"net/url"
	"testing"

	"github.com/localca/localca/policies"
)

// TestFixtureNames checks the hard rule: names under bad.localca.test go to
// the fixtures profile only, and the fixtures profile takes names under
// it and nothing else.
func TestFixtureNames(t *testing.T) {
	tests := []struct {
		name    string
		req     policies.Request
		refused bool
	}{
		{"server refuses a fixture name", policies.Request{Profile: "server", DNSNames: []string{"expired.bad.localca.test"}}, true},
		{"server refuses the fixture domain", policies.Request{Profile: "server", DNSNames: []string{"BAD.localca.test."}}, true},
		{"server refuses a wildcard over it", policies.Request{Profile: "server", DNSNames: []string{"*.bad.localca.test"}}, true},
		{"client refuses an email there", policies.Request{Profile: "client", EmailAddresses: []string{"a@good.bad.localca.test"}}, true},
		{"peer refuses a URI there", policies.Request{Profile: "peer", URIs: []*url.URL{{Scheme: "spiffe", Host: "bad.localca.test", Path: "/x"}}}, true},
		{"peer refuses a fixture common name", policies.Request{Profile: "peer", CommonName: "good.bad.localca.test"}, true},
		{"server still issues beside it", policies.Request{Profile: "server", DNSNames: []string{"notbad.localca.test", "bad.localca.test.example.test"}}, false},
		{"fixtures takes one case name", policies.Request{Profile: "fixtures", DNSNames: []string{"expired.bad.localca.test"}}, false},
		{"fixtures takes a case with a dot", policies.Request{Profile: "fixtures", DNSNames: []string{"tls1.0.bad.localca.test"}}, false},
		{"fixtures refuses the domain itself", policies.Request{Profile: "fixtures", DNSNames: []string{"bad.localca.test"}}, true},
		{"fixtures refuses a real name", policies.Request{Profile: "fixtures", DNSNames: []string{"api.test"}}, true},
		{"fixtures refuses loopback", policies.Request{Profile: "fixtures", DNSNames: []string{"good.bad.localca.test"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}, true},
		{"fixtures refuses a wildcard", policies.Request{Profile: "fixtures", DNSNames: []string{"*.bad.localca.test"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := policies.Default().Check(tt.req)
			if tt.refused != (err != nil) {
				t.Fatalf("refused = %v, want %v (err %v)", err != nil, tt.refused, err)
			}
			if err != nil && !errors.Is(err, policies.ErrRefused) {
				t.Fatalf("err = %v, want a refusal", err)
			}
		})
	}
}
