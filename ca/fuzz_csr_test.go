package ca_test

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"net"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
)

// The extensions a leaf of ours may carry. Anything else in a certificate
// signed from a CSR was copied from the CSR, which the CA must never do.
var leafExtensions = []string{
	"2.5.29.14",         // subjectKeyIdentifier
	"2.5.29.35",         // authorityKeyIdentifier
	"2.5.29.15",         // keyUsage
	"2.5.29.37",         // extKeyUsage
	"2.5.29.19",         // basicConstraints
	"2.5.29.17",         // subjectAltName
	"2.5.29.31",         // cRLDistributionPoints
	"1.3.6.1.5.5.7.1.1", // authorityInfoAccess
}

// fuzzProfiles are what the fuzzer's profile byte picks from: every profile
// of the policy, the default, and one that does not exist.
var fuzzProfiles = []string{"", policies.ProfileServer, policies.ProfileClient, policies.ProfilePeer, policies.ProfileIntermediate, "nosuch"}

// fuzzPolicy is the built-in policy with deny rules added, so that names
// are refused by deny as well as by allow.
func fuzzPolicy() *policies.Policy {
	p := policies.Default()
	for _, r := range []*policies.ProfileRules{p.Profiles.Server, p.Profiles.Client, p.Profiles.Peer} {
		r.DNS.Deny = []string{"secret.test", ".deny.test"}
		r.IP.Deny = []string{"10.9.0.0/16"}
	}
	return p
}

// csrSeeds are CSRs that reach each branch: allowed names of every kind,
// a denied name, a name outside the allow list, a wildcard, CSR extensions
// the CA must not copy or must refuse, an RSA key and an Ed25519 key.
func csrSeeds(t testing.TB) [][]byte {
	t.Helper()
	ec, ed := newKey(t, "ecdsa-p256"), newKey(t, "ed25519")
	rsaKey := newKey(t, "rsa-2048")
	u, _ := url.Parse("spiffe://localca.test/api")
	bad, _ := url.Parse("https://example.com/")
	ekuCodeSigning, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 3}})
	caTrue, _ := asn1.Marshal(struct{ IsCA bool }{true})
	reqs := []struct {
		key  crypto.Signer
		tmpl x509.CertificateRequest
	}{
		{ec, x509.CertificateRequest{Subject: pkix.Name{CommonName: "api.test", Organization: []string{"Not Copied"}},
			DNSNames: []string{"api.test", "API.Dev.Test."}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}}},
		{ed, x509.CertificateRequest{DNSNames: []string{"*.dev.test"}, EmailAddresses: []string{"me@a.test"}, URIs: []*url.URL{u}}},
		{ec, x509.CertificateRequest{DNSNames: []string{"secret.test", "example.com"}, IPAddresses: []net.IP{net.ParseIP("10.9.1.1")}, URIs: []*url.URL{bad}}},
		{rsaKey, x509.CertificateRequest{Subject: pkix.Name{CommonName: "127.0.0.1"},
			ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Value: ekuCodeSigning}}}},
		{ec, x509.CertificateRequest{DNSNames: []string{"ca.test"},
			ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 19}, Critical: true, Value: caTrue}}}},
		{ec, x509.CertificateRequest{Subject: pkix.Name{CommonName: "bücher.test"}}},
		{ec, x509.CertificateRequest{}},
	}
	var out [][]byte
	for _, r := range reqs {
		der, err := x509.CreateCertificateRequest(nil, &r.tmpl, r.key)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
		if len(out) < 3 {
			out = append(out, der, pem.EncodeToMemory(&pem.Block{Type: "NEW CERTIFICATE REQUEST", Bytes: der}))
		}
	}
	return append(out, []byte("-----BEGIN CERTIFICATE REQUEST-----\nMIIB"), []byte{0x30, 0x00})
}

// FuzzParseCSR follows outside bytes the whole way a CSR goes: PEM or DER,
// parse, signature, the CA's own checks, the policy, and signing by a test
// CA. It must never panic. A CSR that is refused is refused with an error
// a caller can test: a sentinel of ca, or a policy refusal whose every
// violation names its rule. A CSR that is signed gives a CA:FALSE leaf
// that chains to the root, for the CSR's key, carrying exactly the names
// the policy decided (which the policy accepts again), within the
// intermediate's lifetime, with no extension of the CSR's choosing.
func FuzzParseCSR(f *testing.F) {
	fc := newFuzzCA(f)
	c := fc.c
	for i, s := range csrSeeds(f) {
		for p := range fuzzProfiles {
			f.Add(s, uint8(p), uint16(i*100))
		}
	}

	f.Fuzz(func(t *testing.T, data []byte, profileIdx uint8, days uint16) {
		csr, err := ca.ParseCSR(data)
		if err != nil {
			if !isAny(err, ca.ErrBadPEM, ca.ErrBadCSR, ca.ErrBadCSRSignature, ca.ErrWeakSignature, ca.ErrCSRRequestsCA) {
				t.Fatalf("ParseCSR refused with an error no sentinel matches: %v", err)
			}
			return
		}
		if err := csr.CheckSignature(); err != nil {
			t.Fatalf("ParseCSR accepted a CSR whose signature fails: %v", err)
		}
		opts := ca.SignOptions{
			Profile:  fuzzProfiles[int(profileIdx)%len(fuzzProfiles)],
			Validity: time.Duration(days) * time.Hour,
		}
		iss, err := c.SignRequest(csr, opts)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		fc.checkSigned(t, iss.Cert, csr, opts)
	})
}

// isAny reports whether err matches one of the targets.
func isAny(err error, targets ...error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// checkRefusal fails unless err is a refusal a caller can act on: a policy
// refusal whose violations each name a rule, an unknown profile, a key the
// CA cannot use, or a profile that only init may issue.
func checkRefusal(t *testing.T, err error) {
	t.Helper()
	var ref *policies.Refusal
	switch {
	case errors.As(err, &ref):
		if len(ref.Violations) == 0 {
			t.Fatalf("a refusal without violations: %v", err)
		}
		for _, v := range ref.Violations {
			if v.Rule == "" {
				t.Fatalf("a violation that names no rule: %#v", v)
			}
		}
	case isAny(err, policies.ErrUnknownProfile, ca.ErrBadKey, ca.ErrCAProfile):
	default:
		t.Fatalf("signing refused with an error no sentinel matches: %v", err)
	}
}

// fuzzCA is the CA the CSR fuzz targets sign with, on a fixed clock, and
// what checking its certificates needs.
type fuzzCA struct {
	c             *ca.CA
	pol           *policies.Policy
	roots, inters *x509.CertPool
	now           time.Time
}

func newFuzzCA(f *testing.F) *fuzzCA {
	st, err := store.Open(filepath.Join(f.TempDir(), "localca.db"), &store.Options{NoSync: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	fc := &fuzzCA{pol: fuzzPolicy(), roots: x509.NewCertPool(), inters: x509.NewCertPool(), now: fixedNow()}
	if fc.c, err = ca.Init(st, ca.InitOptions{}, ca.Options{Policy: fc.pol, Now: func() time.Time { return fc.now }}); err != nil {
		f.Fatal(err)
	}
	fc.roots.AddCert(fc.c.Root())
	fc.inters.AddCert(fc.c.Intermediate())
	return fc
}

// checkSigned checks a certificate signed from csr against what the policy
// decides for it.
func (fc *fuzzCA) checkSigned(t *testing.T, cert *x509.Certificate, csr *x509.CertificateRequest, opts ca.SignOptions) {
	t.Helper()
	c, pol, roots, inters, now := fc.c, fc.pol, fc.roots, fc.inters, fc.now
	if cert.IsCA || !cert.BasicConstraintsValid || cert.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0 {
		t.Fatalf("signed a CSR into a CA certificate: IsCA %v, key usage %b", cert.IsCA, cert.KeyUsage)
	}
	if !csr.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(cert.PublicKey) {
		t.Fatal("the certificate's key is not the CSR's")
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("the certificate does not chain to the root: %v", err)
	}
	if cert.NotAfter.After(c.Intermediate().NotAfter) {
		t.Fatalf("NotAfter %v outlives the intermediate's %v", cert.NotAfter, c.Intermediate().NotAfter)
	}
	for _, ext := range cert.Extensions {
		if !slices.Contains(leafExtensions, ext.Id.String()) {
			t.Fatalf("extension %v is not one a leaf of ours carries", ext.Id)
		}
	}
	if len(cert.Subject.Names) > 1 || (cert.Subject.CommonName != "" && !slices.Contains(cert.DNSNames, cert.Subject.CommonName)) {
		t.Fatalf("subject %q is more than a common name among the DNS names %q", cert.Subject, cert.DNSNames)
	}
	d, err := pol.Check(policies.RequestFromCSR(csr, opts.Profile))
	if err != nil {
		t.Fatalf("signed what the policy refuses: %v", err)
	}
	var uris []string
	for _, u := range cert.URIs {
		uris = append(uris, u.String())
	}
	var want []string
	for _, u := range d.URIs {
		want = append(want, u.String())
	}
	if !slices.Equal(cert.DNSNames, d.DNSNames) || !reflect.DeepEqual(ipStrings(cert.IPAddresses), ipStrings(d.IPAddresses)) ||
		!slices.Equal(cert.EmailAddresses, d.EmailAddresses) || !slices.Equal(uris, want) {
		t.Fatalf("certificate names %q %v %q %q, the policy decided %q %v %q %q", cert.DNSNames, cert.IPAddresses,
			cert.EmailAddresses, uris, d.DNSNames, d.IPAddresses, d.EmailAddresses, want)
	}
	// The names as issued pass the policy on their own.
	again := policies.Request{Profile: opts.Profile, DNSNames: cert.DNSNames, IPAddresses: cert.IPAddresses,
		EmailAddresses: cert.EmailAddresses, URIs: cert.URIs, PublicKey: cert.PublicKey}
	if _, err := pol.Check(again); err != nil {
		t.Fatalf("the names as issued are refused by the policy: %v", err)
	}
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}

// fuzzExtensions are the extensions FuzzSignCSR's CSRs may ask for: those
// only a CA carries, those the profile decides, the SAN itself, and one the
// CA knows nothing of.
var fuzzExtensions = []asn1.ObjectIdentifier{
	{2, 5, 29, 19},              // basicConstraints
	{2, 5, 29, 15},              // keyUsage
	{2, 5, 29, 37},              // extKeyUsage
	{2, 5, 29, 30},              // nameConstraints
	{2, 5, 29, 17},              // subjectAltName
	{1, 3, 6, 1, 5, 5, 7, 1, 1}, // authorityInfoAccess
	{1, 2, 3, 4},
}

// FuzzSignCSR reaches the policy and the signer with fuzzed content in a
// well-signed CSR, which FuzzParseCSR's byte mutations rarely make: the
// names (one a line: "cn:" for the common name, then an email, a URI, an IP
// address or a DNS name, by form), the profile, the validity, and one
// extension of the fuzzer's choosing. The CSR is signed with a test key, so
// its signature holds; everything else is checked as in FuzzParseCSR.
func FuzzSignCSR(f *testing.F) {
	fc := newFuzzCA(f)
	c := fc.c
	key := newKey(f, "ecdsa-p256")
	caTrue, _ := asn1.Marshal(struct{ IsCA bool }{true})
	f.Add("cn:api.test\napi.test\n127.0.0.1\nme@a.test\nspiffe://localca.test/x", uint8(0), uint16(24), []byte(nil))
	f.Add("*.dev.test\nAPI.Dev.Test.\n::1", uint8(1), uint16(0), []byte{2, 0x30, 0x03, 0x06, 0x01, 0x00})
	f.Add("cn:Sub CA", uint8(4), uint16(0), append([]byte{0x80}, caTrue...))
	f.Add("secret.test\nexample.com\n10.9.0.1\nhttps://x.test/", uint8(3), uint16(9999), []byte{6, 0x05, 0x00})
	f.Add("xn--bcher-kva.test\nbücher.test\ncn:127.0.0.1", uint8(2), uint16(1), []byte(nil))
	f.Fuzz(func(t *testing.T, names string, profileIdx uint8, hours uint16, ext []byte) {
		var tmpl x509.CertificateRequest
		for _, n := range strings.Split(names, "\n") {
			switch {
			case strings.HasPrefix(n, "cn:"):
				tmpl.Subject.CommonName = n[3:]
			case strings.Contains(n, "://"):
				u, err := url.Parse(n)
				if err != nil {
					return
				}
				tmpl.URIs = append(tmpl.URIs, u)
			case strings.Contains(n, "@"):
				tmpl.EmailAddresses = append(tmpl.EmailAddresses, n)
			case net.ParseIP(n) != nil:
				tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(n))
			default:
				tmpl.DNSNames = append(tmpl.DNSNames, n)
			}
		}
		if len(ext) > 0 {
			tmpl.ExtraExtensions = []pkix.Extension{{
				Id: fuzzExtensions[int(ext[0]&0x7f)%len(fuzzExtensions)], Critical: ext[0]&0x80 != 0, Value: ext[1:],
			}}
		}
		der, err := x509.CreateCertificateRequest(nil, &tmpl, key)
		if err != nil {
			return // names x509 will not encode
		}
		csr, err := ca.ParseCSR(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
		if err != nil {
			if !isAny(err, ca.ErrBadCSR, ca.ErrCSRRequestsCA) {
				t.Fatalf("a well-signed CSR refused with an error no sentinel matches: %v", err)
			}
			return
		}
		opts := ca.SignOptions{
			Profile:  fuzzProfiles[int(profileIdx)%len(fuzzProfiles)],
			Validity: time.Duration(hours) * time.Hour,
		}
		iss, err := c.SignRequest(csr, opts)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		fc.checkSigned(t, iss.Cert, csr, opts)
	})
}
