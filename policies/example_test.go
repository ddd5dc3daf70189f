package policies_test

import (
	"errors"
	"fmt"
	"net"

	"github.com/localca/localca/policies"
)

// Check returns what to issue, or every reason it refuses.
func ExamplePolicy_Check() {
	p := policies.Default()

	d, err := p.Check(policies.Request{
		Profile:     policies.ProfileServer,
		DNSNames:    []string{"API.dev.test.", "bücher.test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Profile, d.Validity, d.DNSNames, d.IPAddresses)

	_, err = p.Check(policies.Request{
		Profile:  policies.ProfileClient,
		DNSNames: []string{"example.com", "*.dev.test"},
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, policies.ErrRefused))
	// Output:
	// server 2160h0m0s [api.dev.test xn--bcher-kva.test] [127.0.0.1]
	// policy: name "example.com" is not allowed (profile client, dns.allow: localhost, *.localhost, .test, .internal)
	// policy: wildcard name "*.dev.test" is not allowed (profile client, wildcards: false)
	// true
}

// AddName sorts names typed on a command line into a request, as
// `localca policy check --name ...` does.
func ExampleRequest_AddName() {
	var req policies.Request
	for _, n := range []string{"web.test", "10.0.0.7", "spiffe://localca.test/ns/dev/sa/web"} {
		req.AddName(n)
	}
	req.Profile = policies.ProfilePeer
	d, err := policies.Default().Check(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.DNSNames, d.IPAddresses, d.URIs, d.Validity)
	// Output:
	// [web.test] [10.0.0.7] [spiffe://localca.test/ns/dev/sa/web] 24h0m0s
}

// NameConstraints are what the intermediate carries.
func ExamplePolicy_NameConstraints() {
	nc := policies.Default().NameConstraints()
	fmt.Println(nc.PermittedDNSDomains)
	fmt.Println(nc.PermittedURIDomains)
	fmt.Println(nc.PermittedIPRanges)
	// Output:
	// [localhost .test .internal]
	// [localca.test]
	// [127.0.0.0/8 ::1/128 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7]
}
