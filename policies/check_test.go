package policies

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"math/big"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// ecKey makes a throwaway ECDSA public key on the curve.
func ecKey(t *testing.T, c elliptic.Curve) crypto.PublicKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &k.PublicKey
}

// rsaKeyOfBits builds an RSA public key of the size only: the policy
// inspects the modulus length, and generating 1024- or 9000-bit keys would
// be slow or refused.
func rsaKeyOfBits(bits int) *rsa.PublicKey {
	n := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	n.Add(n, big.NewInt(1))
	return &rsa.PublicKey{N: n, E: 65537}
}

func edKey(t *testing.T) ed25519.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// rulesOf returns the rule of each violation in err, or nil when err is nil.
func rulesOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var r *Refusal
	if !errors.As(err, &r) {
		t.Fatalf("error %v is not a *Refusal", err)
	}
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("error %v does not match ErrRefused", err)
	}
	var rules []string
	for _, v := range r.Violations {
		rules = append(rules, v.Rule)
	}
	return rules
}

func TestCheckDefaultPolicy(t *testing.T) {
	p := Default()
	p256 := ecKey(t, elliptic.P256())
	tests := []struct {
		name  string
		req   Request
		rules []string // the violations expected, in order; nil means issued
	}{
		{"localhost", Request{DNSNames: []string{"localhost"}, PublicKey: p256}, nil},
		{"deep under .test", Request{DNSNames: []string{"api.dev.test"}}, nil},
		{"one under localhost", Request{DNSNames: []string{"app.localhost"}}, nil},
		{"two under localhost", Request{DNSNames: []string{"a.b.localhost"}}, []string{"dns.allow"}},
		{"internal", Request{DNSNames: []string{"db.corp.internal"}}, nil},
		{"public", Request{DNSNames: []string{"example.com"}}, []string{"dns.allow"}},
		{"bare tld", Request{DNSNames: []string{"test"}}, []string{"dns.allow"}},
		{"public look-alike", Request{DNSNames: []string{"test.com"}}, []string{"dns.allow"}},
		{"every violation at once", Request{
			DNSNames:    []string{"example.com", "ok.test", "bad..test", "google.com"},
			IPAddresses: []net.IP{net.ParseIP("8.8.8.8")},
			URIs:        []*url.URL{mustURL(t, "spiffe://evil.test/x")},
			PublicKey:   rsaKeyOfBits(1024),
			Validity:    400 * Day,
		}, []string{"validity.max", "key.rsa_min_bits", "dns.allow", "dns.syntax", "dns.allow", "ip.allow", "uri.allow"}},
		{"loopback v4", Request{IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}, nil},
		{"loopback v6", Request{IPAddresses: []net.IP{net.ParseIP("::1")}}, nil},
		{"private", Request{IPAddresses: []net.IP{net.ParseIP("192.168.1.10"), net.ParseIP("fd00::1")}}, nil},
		{"public IP", Request{IPAddresses: []net.IP{net.ParseIP("1.1.1.1")}}, []string{"ip.allow"}},
		{"unspecified IP", Request{IPAddresses: []net.IP{net.ParseIP("0.0.0.0")}}, []string{"ip.syntax"}},
		{"server wildcard", Request{DNSNames: []string{"*.dev.test"}}, nil},
		{"client wildcard", Request{Profile: ProfileClient, DNSNames: []string{"*.dev.test"}}, []string{"wildcards"}},
		{"wildcard of public", Request{DNSNames: []string{"*.example.com"}}, []string{"dns.allow"}},
		{"SPIFFE", Request{Profile: ProfilePeer, URIs: []*url.URL{mustURL(t, "spiffe://localca.test/ns/prod/sa/web")}}, nil},
		{"SPIFFE escape", Request{URIs: []*url.URL{mustURL(t, "spiffe://localca.test/../x")}}, []string{"uri.syntax"}},
		{"client email", Request{Profile: ProfileClient, EmailAddresses: []string{"alice@dev.test"}}, nil},
		{"server email", Request{EmailAddresses: []string{"alice@dev.test"}}, []string{"email.allow"}},
		{"public email", Request{Profile: ProfileClient, EmailAddresses: []string{"alice@example.com"}}, []string{"email.allow"}},
		{"no names", Request{}, []string{"names"}},
		{"no names, long validity", Request{Validity: 999 * Day}, []string{"validity.max", "names"}},
		{"unparseable URI", Request{URIs: []*url.URL{{Opaque: "spiffe://%zz"}}}, []string{"uri.syntax"}},
		{"CN only", Request{CommonName: "api.test"}, nil},
		{"CN public", Request{CommonName: "example.com", DNSNames: []string{"api.test"}}, []string{"dns.allow"}},
		{"validity at max", Request{DNSNames: []string{"a.test"}, Validity: 398 * Day}, nil},
		{"validity over max", Request{DNSNames: []string{"a.test"}, Validity: 398*Day + time.Second}, []string{"validity.max"}},
		{"negative validity", Request{DNSNames: []string{"a.test"}, Validity: -time.Hour}, []string{"validity"}},
		{"ed25519", Request{DNSNames: []string{"a.test"}, PublicKey: edKey(t)}, nil},
		{"P-521", Request{DNSNames: []string{"a.test"}, PublicKey: ecKey(t, elliptic.P521())}, []string{"key.curves"}},
		{"P-224", Request{DNSNames: []string{"a.test"}, PublicKey: ecKey(t, elliptic.P224())}, []string{"key.curves"}},
		{"RSA 2048", Request{DNSNames: []string{"a.test"}, PublicKey: rsaKeyOfBits(2048)}, nil},
		{"RSA 8192", Request{DNSNames: []string{"a.test"}, PublicKey: rsaKeyOfBits(8192)}, nil},
		{"RSA 8193", Request{DNSNames: []string{"a.test"}, PublicKey: rsaKeyOfBits(8193)}, []string{"key.rsa_max_bits"}},
		{"RSA 2047", Request{DNSNames: []string{"a.test"}, PublicKey: rsaKeyOfBits(2047)}, []string{"key.rsa_min_bits"}},
		{"unknown key type", Request{DNSNames: []string{"a.test"}, PublicKey: "a string"}, []string{"key.algorithms"}},
		{"intermediate", Request{Profile: ProfileIntermediate, CommonName: "localca Intermediate CA", PublicKey: p256}, nil},
		{"intermediate with SAN", Request{Profile: ProfileIntermediate, DNSNames: []string{"a.test"}}, []string{"names"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := p.Check(tt.req)
			if got := rulesOf(t, err); !slices.Equal(got, tt.rules) {
				t.Fatalf("violations %q, want %q; error:\n%v", got, tt.rules, err)
			}
			if err == nil && d == nil {
				t.Fatal("no decision and no error")
			}
			if err != nil && d != nil {
				t.Fatal("a decision with a refusal")
			}
		})
	}
}

func TestViolationMessage(t *testing.T) {
	p := Default()
	p.Profiles.Server.DNS.Allow = []string{"localhost", "*.test"}
	_, err := p.Check(Request{DNSNames: []string{"example.com"}})
	want := `policy: name "example.com" is not allowed (profile server, dns.allow: localhost, *.test)`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	var v Violation
	if !errors.As(err, &v) || v.Value != "example.com" || v.Rule != "dns.allow" || v.Profile != "server" {
		t.Fatalf("errors.As Violation = %+v", v)
	}
}

func TestRefusalListsEveryViolation(t *testing.T) {
	p := Default()
	p.Profiles.Server.DNS.Deny = []string{"secret.dev.test"}
	_, err := p.Check(Request{DNSNames: []string{"a.example.com", "*.dev.test", "secret.dev.test"}, IPAddresses: []net.IP{net.ParseIP("8.8.4.4")}})
	lines := strings.Split(err.Error(), "\n")
	want := []string{
		`policy: name "a.example.com" is not allowed (profile server, dns.allow: localhost, *.localhost, .test, .internal)`,
		`policy: name "*.dev.test" is denied (profile server, dns.deny: secret.dev.test)`,
		`policy: name "secret.dev.test" is denied (profile server, dns.deny: secret.dev.test)`,
		`policy: IP address 8.8.4.4 is not allowed (profile server, ip.allow: 127.0.0.0/8, ::1/128, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7)`,
	}
	if !slices.Equal(lines, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestCheckDecision(t *testing.T) {
	p := Default()
	tests := []struct {
		name     string
		req      Request
		validity time.Duration
		ku       x509.KeyUsage
		eku      []x509.ExtKeyUsage
		isCA     bool
	}{
		{"server ecdsa", Request{DNSNames: []string{"a.test"}, PublicKey: ecKey(t, elliptic.P256())},
			90 * Day, x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, false},
		{"server rsa", Request{DNSNames: []string{"a.test"}, PublicKey: rsaKeyOfBits(3072)},
			90 * Day, x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, false},
		{"client rsa signs only", Request{Profile: ProfileClient, DNSNames: []string{"a.test"}, PublicKey: rsaKeyOfBits(2048)},
			90 * Day, x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, false},
		{"peer rsa", Request{Profile: ProfilePeer, DNSNames: []string{"a.test"}, PublicKey: rsaKeyOfBits(2048)},
			24 * time.Hour, x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, false},
		{"client ed25519", Request{Profile: ProfileClient, DNSNames: []string{"a.test"}, PublicKey: edKey(t)},
			90 * Day, x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, false},
		{"peer", Request{Profile: ProfilePeer, DNSNames: []string{"a.test"}, Validity: time.Hour},
			time.Hour, x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, false},
		{"peer default", Request{Profile: ProfilePeer, DNSNames: []string{"a.test"}},
			24 * time.Hour, x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, false},
		{"intermediate", Request{Profile: ProfileIntermediate, CommonName: "Dev Intermediate"},
			5 * 365 * Day, x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := p.Check(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if d.Validity != tt.validity || d.KeyUsage != tt.ku || !slices.Equal(d.ExtKeyUsage, tt.eku) || d.IsCA != tt.isCA || d.MaxPathLen != 0 {
				t.Fatalf("decision %+v", d)
			}
		})
	}
}

func TestCheckNormalisesNames(t *testing.T) {
	d, err := Default().Check(Request{
		Profile:        ProfileClient,
		CommonName:     "Bücher.Test.",
		DNSNames:       []string{"xn--bcher-kva.test", "API.dev.test.", "api.dev.test"},
		IPAddresses:    []net.IP{net.ParseIP("::ffff:10.0.0.1"), net.IPv4(10, 0, 0, 1)},
		EmailAddresses: []string{"Kim@Bücher.TEST"},
		URIs:           []*url.URL{mustURL(t, "SPIFFE://LocalCA.Test/ns/a")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.CommonName != "xn--bcher-kva.test" {
		t.Errorf("CommonName %q", d.CommonName)
	}
	if want := []string{"xn--bcher-kva.test", "api.dev.test"}; !slices.Equal(d.DNSNames, want) {
		t.Errorf("DNSNames %q, want %q", d.DNSNames, want)
	}
	if len(d.IPAddresses) != 1 || len(d.IPAddresses[0]) != 4 || !d.IPAddresses[0].Equal(net.IPv4(10, 0, 0, 1)) {
		t.Errorf("IPAddresses %v, want one four-byte 10.0.0.1", d.IPAddresses)
	}
	if want := []string{"Kim@xn--bcher-kva.test"}; !slices.Equal(d.EmailAddresses, want) {
		t.Errorf("EmailAddresses %q, want %q", d.EmailAddresses, want)
	}
	if len(d.URIs) != 1 || d.URIs[0].String() != "spiffe://localca.test/ns/a" {
		t.Errorf("URIs %v", d.URIs)
	}
}

func TestCheckCommonNameJoinsSANs(t *testing.T) {
	d, err := Default().Check(Request{CommonName: "127.0.0.1", DNSNames: []string{"a.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.CommonName != "127.0.0.1" || len(d.IPAddresses) != 1 || !slices.Equal(d.DNSNames, []string{"a.test"}) {
		t.Fatalf("decision %+v", d)
	}
}

func TestCheckUnknownProfile(t *testing.T) {
	p := Default()
	p.Profiles.Peer = nil
	for _, name := range []string{"admin", "Server", ProfilePeer} {
		t.Run(name, func(t *testing.T) {
			_, err := p.Check(Request{Profile: name, DNSNames: []string{"a.test"}})
			if !errors.Is(err, ErrUnknownProfile) || errors.Is(err, ErrRefused) {
				t.Fatalf("Check(profile %q) = %v, want ErrUnknownProfile", name, err)
			}
			if _, err := p.Profile(name); !errors.Is(err, ErrUnknownProfile) {
				t.Fatalf("Profile(%q) = %v", name, err)
			}
		})
	}
}

func TestCheckInvalidPolicyInCode(t *testing.T) {
	p := Default()
	p.Profiles.Server.IP.Allow = []string{"10.0.0.0/33"}
	if _, err := p.Check(Request{DNSNames: []string{"a.test"}}); !errors.Is(err, ErrInvalidPolicy) {
		t.Fatalf("got %v, want ErrInvalidPolicy", err)
	}
	if err := p.Validate(); !errors.Is(err, ErrInvalidPolicy) {
		t.Fatalf("Validate = %v", err)
	}
}

func TestCheckKey(t *testing.T) {
	p := Default()
	p.Key.Algorithms = []string{"ecdsa"}
	tests := []struct {
		name string
		key  crypto.PublicKey
		rule string
	}{
		{"P-256", ecKey(t, elliptic.P256()), ""},
		{"P-384", ecKey(t, elliptic.P384()), ""},
		{"rsa refused", rsaKeyOfBits(4096), "key.algorithms"},
		{"ed25519 refused", edKey(t), "key.algorithms"},
		{"nil", nil, "key.algorithms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.CheckKey(tt.key)
			got := rulesOf(t, err)
			if tt.rule == "" && got != nil || tt.rule != "" && !slices.Equal(got, []string{tt.rule}) {
				t.Fatalf("CheckKey = %v, want rule %q", err, tt.rule)
			}
		})
	}
	err := p.CheckKey(edKey(t))
	if want := "policy: key algorithm ed25519 is not allowed (key.algorithms: ecdsa)"; err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
}

func TestAddName(t *testing.T) {
	var r Request
	for _, n := range []string{"api.test", "10.0.0.1", "::1", "alice@dev.test", "spiffe://localca.test/x", "spiffe://%zz/x"} {
		r.AddName(n)
	}
	if len(r.DNSNames) != 1 || len(r.IPAddresses) != 2 || len(r.EmailAddresses) != 1 || len(r.URIs) != 2 {
		t.Fatalf("request %+v", r)
	}
	_, err := Default().Check(Request{Profile: ProfileClient, URIs: r.URIs[1:]})
	if got := rulesOf(t, err); !slices.Equal(got, []string{"uri.syntax"}) || !strings.Contains(err.Error(), `"spiffe://%zz/x"`) {
		t.Fatalf("unparseable URI: %v", err)
	}
	r.URIs = r.URIs[:1]
	if _, err := Default().Check(r); !errors.Is(err, ErrRefused) {
		t.Fatalf("server profile took an email: %v", err)
	}
	r.Profile = ProfileClient
	if _, err := Default().Check(r); err != nil {
		t.Fatal(err)
	}
}

func TestDecisionNames(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		want  []string
	}{
		{"certificate order", []string{"spiffe://localca.test/x", "alice@dev.test", "10.0.0.1", "API.test."}, []string{"api.test", "10.0.0.1", "alice@dev.test", "spiffe://localca.test/x"}},
		{"one name", []string{"api.test"}, []string{"api.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Request{Profile: ProfileClient}
			for _, n := range tt.names {
				r.AddName(n)
			}
			d, err := Default().Check(r)
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Names(); !slices.Equal(got, tt.want) {
				t.Errorf("Names() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckReportsACommonNameThatIsAlsoASANOnce(t *testing.T) {
	_, err := Default().Check(Request{CommonName: "nope..test", DNSNames: []string{"nope..test"}})
	var r *Refusal
	if !errors.As(err, &r) {
		t.Fatalf("got %v, want a refusal", err)
	}
	if len(r.Violations) != 1 {
		t.Fatalf("got %d violations, want 1: %v", len(r.Violations), r)
	}
}
