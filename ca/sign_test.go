package ca_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
)

var (
	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidNameConstraints  = asn1.ObjectIdentifier{2, 5, 29, 30}
	oidCodeSigning      = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 3}
	oidAnyEKU           = asn1.ObjectIdentifier{2, 5, 29, 37, 0}
)

// mustExt builds a CSR extension (an attribute the requester asks for).
func mustExt(t *testing.T, oid asn1.ObjectIdentifier, critical bool, v any) pkix.Extension {
	t.Helper()
	der, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oid, Critical: critical, Value: der}
}

// TestSignFromPolicyAlone asks, in CSR extensions, for leaf usages the
// profile does not give: codeSigning and anyExtendedKeyUsage, key usages
// beyond digitalSignature, a path length. The certificate must be a plain
// leaf with the profile's usages and nothing of the CSR but its key and its
// names. (A CSR that asks for CA powers is refused outright: see
// TestCheckCSRRefusesCARequests.)
func TestSignFromPolicyAlone(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	type bc struct {
		IsCA       bool `asn1:"optional"`
		MaxPathLen int  `asn1:"optional,default:-1"`
	}
	evil := []pkix.Extension{
		mustExt(t, oidBasicConstraints, true, bc{MaxPathLen: 5}),
		// digitalSignature, contentCommitment, keyEncipherment, dataEncipherment
		mustExt(t, oidKeyUsage, true, asn1.BitString{Bytes: []byte{0xf0}, BitLength: 4}),
		mustExt(t, oidExtKeyUsage, false, []asn1.ObjectIdentifier{oidCodeSigning, oidAnyEKU}),
	}
	tests := []struct {
		profile string
		eku     []x509.ExtKeyUsage
	}{
		{"server", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
		{"client", []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}},
		{"peer", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			key := newKey(t, "ecdsa-p256")
			csr := csrPEM(t, key, &x509.CertificateRequest{
				Subject:         pkix.Name{CommonName: "evil.test", Organization: []string{"Not Copied Inc"}},
				DNSNames:        []string{"evil.test"},
				ExtraExtensions: evil,
			})
			iss, err := c.Sign(csr, ca.SignOptions{Profile: tt.profile})
			if err != nil {
				t.Fatalf("Sign: %v", err)
			}
			got := iss.Cert
			if got.IsCA || !got.BasicConstraintsValid {
				t.Errorf("IsCA=%v BasicConstraintsValid=%v, want a CA:FALSE leaf", got.IsCA, got.BasicConstraintsValid)
			}
			if got.KeyUsage != x509.KeyUsageDigitalSignature {
				t.Errorf("KeyUsage = %b, want digitalSignature only", got.KeyUsage)
			}
			if !slices.Equal(got.ExtKeyUsage, tt.eku) || len(got.UnknownExtKeyUsage) > 0 {
				t.Errorf("EKU = %v (unknown %v), want %v", got.ExtKeyUsage, got.UnknownExtKeyUsage, tt.eku)
			}
			if len(got.Subject.Organization) > 0 || got.Subject.CommonName != "evil.test" {
				t.Errorf("subject %q: want CN=evil.test alone", got.Subject)
			}
			if got.PermittedDNSDomainsCritical || len(got.PermittedDNSDomains) > 0 {
				t.Errorf("leaf carries name constraints %v", got.PermittedDNSDomains)
			}
			for _, e := range got.Extensions {
				if e.Id.Equal(oidNameConstraints) {
					t.Errorf("leaf carries a name constraints extension")
				}
			}
			// The chain must not be usable for code signing either.
			if _, err := got.Verify(x509.VerifyOptions{
				Roots: pool(c.Root()), Intermediates: pool(c.Intermediate()),
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
			}); err == nil {
				t.Errorf("the leaf verifies for code signing")
			}
		})
	}
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// TestLeafShape checks what every leaf carries: SKI, an AKI equal to the
// intermediate's SKI, the requested names, a chain Go accepts for the
// profile's purpose, and a record in the store as soon as Sign returns.
func TestLeafShape(t *testing.T) {
	c := newCA(t, "ecdsa-p384")
	key := newKey(t, "rsa-2048")
	csr := csrPEM(t, key, &x509.CertificateRequest{
		Subject:  pkix.Name{CommonName: "svc.test"},
		DNSNames: []string{"svc.test", "svc.internal"},
	})
	iss, err := c.Sign(csr, ca.SignOptions{Profile: "server", Validity: 10 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	got := iss.Cert
	if len(got.SubjectKeyId) == 0 || !bytes.Equal(got.AuthorityKeyId, c.Intermediate().SubjectKeyId) {
		t.Errorf("SKI %x, AKI %x, intermediate SKI %x", got.SubjectKeyId, got.AuthorityKeyId, c.Intermediate().SubjectKeyId)
	}
	if want := x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment; got.KeyUsage != want {
		t.Errorf("RSA server KeyUsage = %b, want %b", got.KeyUsage, want)
	}
	if !slices.Equal(got.DNSNames, []string{"svc.test", "svc.internal"}) {
		t.Errorf("DNSNames = %v", got.DNSNames)
	}
	if d := got.NotAfter.Sub(got.NotBefore); d < 10*24*time.Hour || d > 10*24*time.Hour+time.Hour {
		t.Errorf("validity %s, want 10 days", d)
	}
	if _, err := got.Verify(x509.VerifyOptions{DNSName: "svc.internal", Roots: pool(c.Root()), Intermediates: pool(c.Intermediate())}); err != nil {
		t.Errorf("Go does not verify the chain: %v", err)
	}
	if chain := iss.ChainPEM(); !bytes.HasPrefix(chain, iss.PEM()) || !bytes.HasSuffix(chain, certPEM(c.Intermediate())) {
		t.Errorf("ChainPEM is not the leaf then the intermediate")
	}
	rec, err := c.Store().Cert(got.SerialNumber.Bytes())
	if err != nil {
		t.Fatalf("the certificate Sign returned is not in the store: %v", err)
	}
	if !bytes.Equal(rec.DER, got.Raw) || rec.Profile != "server" || rec.IssuerID != c.IntermediateID() {
		t.Errorf("stored record %+v does not match", rec)
	}
}

// TestNotAfterWithinIssuer issues a leaf days before the intermediate
// expires: it must end when the intermediate ends, not after.
func TestNotAfterWithinIssuer(t *testing.T) {
	c := newCA(t, "ed25519")
	late := c.Intermediate().NotAfter.Add(-5 * 24 * time.Hour)
	c2, err := ca.Load(c.Store(), ca.Options{Now: func() time.Time { return late }})
	if err != nil {
		t.Fatal(err)
	}
	iss, err := c2.Issue(ca.IssueRequest{Names: []string{"late.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if !iss.Cert.NotAfter.Equal(c.Intermediate().NotAfter) {
		t.Errorf("NotAfter %s, want the intermediate's %s", iss.Cert.NotAfter, c.Intermediate().NotAfter)
	}
}

// TestSerials checks RFC 5280 §4.1.2.2 and the CA/Browser Forum's entropy
// rule on a batch of serials: positive, at most 20 octets, unique, and at
// least 64 bit positions that vary (a bit that is truly random stays the
// same across 48 serials with probability 2^-47) among the last 64 bits,
// the random ones. They also ascend: the store keeps a certificate under
// its serial's time.
func TestSerials(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	const n = 48
	seen := map[string]bool{}
	var and, or, prev big.Int
	for i := range n {
		iss, err := c.Issue(ca.IssueRequest{Names: []string{"s.test"}, Profile: "peer"})
		if err != nil {
			t.Fatal(err)
		}
		s := iss.Cert.SerialNumber
		if s.Sign() <= 0 {
			t.Fatalf("serial %x is not positive", s)
		}
		if der, _ := asn1.Marshal(s); len(der)-2 > 20 {
			t.Fatalf("serial %x is %d octets in DER, more than 20", s, len(der)-2)
		}
		if seen[s.String()] {
			t.Fatalf("serial %x issued twice", s)
		}
		seen[s.String()] = true
		if s.Cmp(&prev) <= 0 {
			t.Fatalf("serial %x follows %x: serials do not ascend", s, &prev)
		}
		prev.Set(s)
		if i == 0 {
			and.Set(s)
		} else {
			and.And(&and, s)
		}
		or.Or(&or, s)
	}
	varying := 0
	for i := range 64 {
		if or.Bit(i) != and.Bit(i) {
			varying++
		}
	}
	if varying < 64 {
		t.Errorf("only %d bit positions vary across %d serials, want at least 64 random bits", varying, n)
	}
}

// zeroReader is a broken random source: every serial it gives is the same.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestSerialCollisionRetried: two CAs of one store (two processes sharing
// etcd) with a frozen clock and a broken random source draw the same
// serial. The store's check in the issuing transaction refuses the second
// CA's, which stores nothing of it and draws again: the time in a serial
// is raised past the last one its CA drew, so the retry's differs.
func TestSerialCollisionRetried(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	frozen := time.Now()
	broken := func() *ca.CA {
		b, err := ca.Load(c.Store(), ca.Options{Rand: zeroReader{}, Now: func() time.Time { return frozen }})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first, err := broken().Issue(ca.IssueRequest{Names: []string{"one.test"}})
	if err != nil {
		t.Fatal(err)
	}
	second, err := broken().Issue(ca.IssueRequest{Names: []string{"two.test"}})
	if err != nil {
		t.Fatalf("second Issue, whose first serial repeats the first's: %v", err)
	}
	a, b := first.Record.Serial, second.Record.Serial
	if want := new(big.Int).Add(new(big.Int).SetBytes(a), new(big.Int).Lsh(big.NewInt(1), 64)); new(big.Int).SetBytes(b).Cmp(want) != 0 {
		t.Errorf("serials %X and %X: want the second's time one step past the first's, the same random bits", a, b)
	}
	certs, err := c.Store().ListCerts(store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 2 {
		t.Errorf("store holds %d certificates, want the two issued (the refused draw left nothing)", len(certs))
	}
}

// TestNotCommittedNotReturned closes the store under the CA: Sign must fail
// and return no certificate, since a certificate is never handed out before
// it is on record.
func TestNotCommittedNotReturned(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	if err := c.Store().Close(); err != nil {
		t.Fatal(err)
	}
	csr := csrPEM(t, newKey(t, "ecdsa-p256"), &x509.CertificateRequest{DNSNames: []string{"x.test"}})
	iss, err := c.Sign(csr, ca.SignOptions{})
	if err == nil || iss != nil {
		t.Fatalf("Sign on a closed store = %v, %v; want an error and no certificate", iss, err)
	}
}

// TestSignRefusals: each bad CSR fails with an error naming the problem and
// leaves the store without a certificate or CSR.
func TestSignRefusals(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	key := newKey(t, "ecdsa-p256")
	good := csrPEM(t, key, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "ok.test"}, DNSNames: []string{"ok.test"}})
	block, _ := pem.Decode(good)
	badSig := bytes.Clone(block.Bytes)
	badSig[len(badSig)-3] ^= 0x55 // inside the signature BIT STRING
	certBlock := certPEM(c.Root())
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"corrupted signature", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: badSig}), ca.ErrBadCSRSignature},
		{"corrupted signature DER", badSig, ca.ErrBadCSRSignature},
		{"truncated PEM", good[:len(good)/2], ca.ErrBadPEM},
		{"wrong PEM type", certBlock, ca.ErrBadPEM},
		{"garbage in PEM", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte("not DER")}), ca.ErrBadCSR},
		{"empty", nil, ca.ErrBadCSR},
		{"public name", csrPEM(t, key, &x509.CertificateRequest{DNSNames: []string{"example.com"}}), policies.ErrRefused},
		{"public IP", csrPEM(t, key, &x509.CertificateRequest{IPAddresses: []net.IP{net.IPv4(8, 8, 8, 8)}}), policies.ErrRefused},
		{"public CN beside a good SAN", csrPEM(t, key, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "example.com"}, DNSNames: []string{"ok.test"}}), policies.ErrRefused},
		{"no name", csrPEM(t, key, &x509.CertificateRequest{}), policies.ErrRefused},
		{"small RSA key", csrPEM(t, weakRSA(t), &x509.CertificateRequest{DNSNames: []string{"weak.test"}}), policies.ErrRefused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := c.Sign(tt.in, ca.SignOptions{})
			if !errors.Is(err, tt.want) || iss != nil {
				t.Fatalf("Sign = %v, %v; want %v", iss, err, tt.want)
			}
			t.Logf("error: %v", err)
		})
	}
	nothingIssued(t, c)
}

// weakRSA is a 1024-bit key, below every policy's floor.
func weakRSA(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestIssuedTLSCertificate: what Issue returns serves as a tls.Certificate
// whose chain verifies up to the root.
func TestIssuedTLSCertificate(t *testing.T) {
	c := newCA(t, "")
	iss, err := c.Issue(ca.IssueRequest{Names: []string{"tls.test"}})
	if err != nil {
		t.Fatal(err)
	}
	cert := iss.TLSCertificate()
	if len(cert.Certificate) != 2 || cert.Leaf != iss.Cert || cert.PrivateKey == nil {
		t.Fatalf("chain of %d, leaf %v, key %v", len(cert.Certificate), cert.Leaf != nil, cert.PrivateKey != nil)
	}
	inter, err := x509.ParseCertificate(cert.Certificate[1])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Leaf.Verify(x509.VerifyOptions{DNSName: "tls.test", Roots: pool(c.Root()), Intermediates: pool(inter)}); err != nil {
		t.Fatal(err)
	}
}
