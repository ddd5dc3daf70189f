package policies

import (
	"crypto/x509"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// testPKI is a throwaway root and an intermediate carrying a policy's name
// constraints.
type testPKI struct{ *testkit.PKI }

func newTestPKI(t *testing.T, nc NameConstraints) testPKI {
	t.Helper()
	return testPKI{testkit.NewPKI(t, "test", nc.ApplyTo)}
}

// sign issues a leaf for the decision's names from the intermediate.
func (pki testPKI) sign(t *testing.T, d *Decision) *x509.Certificate {
	t.Helper()
	var uris []string
	for _, u := range d.URIs {
		uris = append(uris, u.String())
	}
	return pki.Issue(t, testkit.LeafSpec{CN: d.CommonName, DNS: d.DNSNames, IPs: d.IPAddresses, Emails: d.EmailAddresses, URIs: uris,
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}).Leaf
}

// verify signs a leaf for the decision's names and verifies it as a client
// would, name constraints included.
func (pki testPKI) verify(t *testing.T, d *Decision) error {
	t.Helper()
	inters := x509.NewCertPool()
	inters.AddCert(pki.Inter)
	_, err := pki.sign(t, d).Verify(x509.VerifyOptions{Roots: pki.Pool, Intermediates: inters,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err
}

// sampleNames makes names that each allow pattern of a profile admits: the
// pattern itself, names one and two labels under it, wildcards, the edges
// of each IP range, mailboxes and URIs under each URI pattern.
func sampleNames(t *testing.T, r *ProfileRules) Request {
	t.Helper()
	var req Request
	hosts := func(pattern string) []string {
		p, err := parseDNSPattern(pattern)
		if err != nil {
			t.Fatal(err)
		}
		switch p.kind {
		case dnsWildcard:
			return []string{"a." + p.base, "*." + p.base}
		case dnsSuffix:
			return []string{"a." + p.base, "b.a." + p.base, "*." + p.base, "*.a." + p.base}
		}
		return []string{p.base}
	}
	for _, s := range r.DNS.Allow {
		req.DNSNames = append(req.DNSNames, hosts(s)...)
	}
	for _, s := range r.IP.Allow {
		p, err := parseIPPattern(s)
		if err != nil {
			t.Fatal(err)
		}
		req.IPAddresses = append(req.IPAddresses, net.IP(p.Addr().AsSlice()), net.IP(lastOf(p).AsSlice()))
	}
	for _, s := range r.Email.Allow {
		if strings.Contains(s, "@") {
			req.EmailAddresses = append(req.EmailAddresses, s)
			continue
		}
		for _, h := range hosts(s) {
			if !strings.HasPrefix(h, "*") {
				req.EmailAddresses = append(req.EmailAddresses, "user@"+h)
			}
		}
	}
	for _, s := range r.URI.Allow {
		p, err := parseURIPattern(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hosts(p.host.String()) {
			if strings.HasPrefix(h, "*") {
				continue
			}
			path := p.path
			if p.any {
				path += "x/y"
			}
			req.URIs = append(req.URIs, &url.URL{Scheme: p.scheme, Host: h, Path: path})
		}
	}
	return req
}

// lastOf is the highest address of a prefix.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// TestNameConstraintsPermitEveryAllowedName checks the property the
// intermediate relies on: every name the policy lets a leaf profile issue
// verifies under the constraints, and public names do not.
func TestNameConstraintsPermitEveryAllowedName(t *testing.T) {
	example, err := Load(filepath.Join("testdata", "example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*Policy{"default": Default(), "example": example} {
		t.Run(name, func(t *testing.T) {
			pki := newTestPKI(t, p.NameConstraints())
			for _, profile := range LeafProfiles() {
				r, err := p.Profile(profile)
				if err != nil {
					continue
				}
				sample := sampleNames(t, r)
				issued := 0
				one := func(req Request) {
					req.Profile = profile
					d, err := p.Check(req)
					if err != nil {
						return // denied or a wildcard the profile refuses: nothing to issue
					}
					issued++
					if err := pki.verify(t, d); err != nil {
						t.Errorf("profile %s allows %v %v %v %v, but the constraints refuse it: %v",
							profile, d.DNSNames, d.IPAddresses, d.EmailAddresses, d.URIs, err)
					}
				}
				checked := 0
				for _, n := range sample.DNSNames {
					one(Request{DNSNames: []string{n}})
					checked++
				}
				for _, ip := range sample.IPAddresses {
					one(Request{IPAddresses: []net.IP{ip}})
					checked++
				}
				for _, e := range sample.EmailAddresses {
					one(Request{EmailAddresses: []string{e}})
					checked++
				}
				for _, u := range sample.URIs {
					one(Request{URIs: []*url.URL{u}})
					checked++
				}
				if checked == 0 || issued < checked/2 {
					t.Errorf("profile %s: %d of %d sample names issued", profile, issued, checked)
				}
			}
			for _, d := range []*Decision{
				{DNSNames: []string{"example.com"}},
				{DNSNames: []string{"*.example.com"}},
				{DNSNames: []string{"test.example.com"}},
				{DNSNames: []string{"localhost.example.com"}},
				{IPAddresses: []net.IP{net.ParseIP("8.8.8.8").To4()}},
				{IPAddresses: []net.IP{net.ParseIP("2001:db8::1")}},
				{URIs: []*url.URL{{Scheme: "spiffe", Host: "evil.example", Path: "/x"}}},
				{EmailAddresses: []string{"alice@example.com"}},
				{DNSNames: []string{"ok.test", "example.com"}},
			} {
				if err := pki.verify(t, d); err == nil {
					t.Errorf("a leaf for %v %v %v %v verified under the intermediate", d.DNSNames, d.IPAddresses, d.URIs, d.EmailAddresses)
				}
			}
		})
	}
}

func TestNameConstraintsDefault(t *testing.T) {
	nc := Default().NameConstraints()
	if want := []string{"localhost", ".test", ".internal"}; !slices.Equal(nc.PermittedDNSDomains, want) {
		t.Errorf("PermittedDNSDomains %q, want %q", nc.PermittedDNSDomains, want)
	}
	if want := []string{"localca.test"}; !slices.Equal(nc.PermittedURIDomains, want) {
		t.Errorf("PermittedURIDomains %q, want %q", nc.PermittedURIDomains, want)
	}
	var ranges []string
	for _, n := range nc.PermittedIPRanges {
		ranges = append(ranges, n.String())
		if n.IP.To4() != nil && len(n.IP) != 4 {
			t.Errorf("IPv4 range %v is not in four-byte form", n)
		}
	}
	if want := Default().Profiles.Server.IP.Allow; !slices.Equal(ranges, want) {
		t.Errorf("PermittedIPRanges %q, want %q", ranges, want)
	}
	if len(nc.ExcludedDNSDomains)+len(nc.ExcludedIPRanges) != 0 {
		t.Errorf("exclusions %v %v from a policy without deny rules", nc.ExcludedDNSDomains, nc.ExcludedIPRanges)
	}
}

func TestNameConstraintsExclusions(t *testing.T) {
	p := Default()
	p.Profiles.Server.DNS.Deny = []string{".prod.test", "db.test"}
	p.Profiles.Client.DNS.Deny = []string{".test"}
	p.Profiles.Peer.DNS.Deny = []string{".prod.test"}
	p.Profiles.Server.IP.Deny = []string{"10.1.0.0/16"}
	p.Profiles.Client.IP.Deny = []string{"10.0.0.0/8"}
	p.Profiles.Peer.IP.Deny = []string{"10.1.2.0/24", "10.1.0.0/16"}
	nc := p.NameConstraints()
	if want := []string{".prod.test"}; !slices.Equal(nc.ExcludedDNSDomains, want) {
		t.Errorf("ExcludedDNSDomains %q, want %q", nc.ExcludedDNSDomains, want)
	}
	if len(nc.ExcludedIPRanges) != 1 || nc.ExcludedIPRanges[0].String() != "10.1.0.0/16" {
		t.Errorf("ExcludedIPRanges %v, want [10.1.0.0/16]", nc.ExcludedIPRanges)
	}
	pki := newTestPKI(t, nc)
	d, err := p.Check(Request{DNSNames: []string{"db.test"}, Profile: ProfilePeer})
	if err != nil {
		t.Fatal(err)
	}
	if err := pki.verify(t, d); err != nil {
		t.Errorf("db.test, allowed for peer, fails under the constraints: %v", err)
	}
	if err := pki.verify(t, &Decision{DNSNames: []string{"api.prod.test"}}); err == nil {
		t.Error("api.prod.test, denied everywhere, verified")
	}
}

func TestNameConstraintsNothingAllowed(t *testing.T) {
	p := Default()
	for _, r := range []*ProfileRules{p.Profiles.Server, p.Profiles.Client, p.Profiles.Peer} {
		r.DNS.Allow, r.IP.Allow, r.Email.Allow, r.URI.Allow = nil, nil, nil, nil
	}
	pki := newTestPKI(t, p.NameConstraints())
	for _, d := range []*Decision{
		{DNSNames: []string{"a.test"}},
		{IPAddresses: []net.IP{net.ParseIP("127.0.0.1").To4()}},
		{IPAddresses: []net.IP{net.ParseIP("::1")}},
		{EmailAddresses: []string{"a@b.test"}},
		{URIs: []*url.URL{{Scheme: "spiffe", Host: "localca.test", Path: "/x"}}},
	} {
		if err := pki.verify(t, d); err == nil {
			t.Errorf("%+v verified under an intermediate whose policy allows no name", d)
		}
	}
}
