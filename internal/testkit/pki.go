package testkit

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// PKI is a throwaway root and intermediate generated at test time, for
// tests of packages that must not depend on the ca package. Keys are never
// written anywhere but t.TempDir().
type PKI struct {
	Root      *x509.Certificate
	RootKey   crypto.Signer
	Inter     *x509.Certificate
	InterKey  crypto.Signer
	Pool      *x509.CertPool // the root only: "only our CA"
	Dir       string         // the PKI's temporary folder
	CAFile    string         // the root as PEM, for curl --cacert and friends
	CRLNumber int64          // the last CRL's number; CRL adds one
}

// Leaf is a leaf certificate with its chain and key, in memory and on disk.
type Leaf struct {
	Cert     *tls.Certificate // leaf, intermediate
	Leaf     *x509.Certificate
	CertFile string // PEM chain: leaf then intermediate
	KeyFile  string
}

// LeafSpec says what a leaf holds. Zero times mean "valid from an hour ago
// for a day".
type LeafSpec struct {
	CN        string
	DNS       []string
	IPs       []net.IP
	Emails    []string
	URIs      []string
	EKU       []x509.ExtKeyUsage
	NotBefore time.Time
	NotAfter  time.Time
}

// NewKey generates a P-256 key.
func NewKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newSerial(t testing.TB) *big.Int {
	t.Helper()
	s, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatal(err)
	}
	return s.Add(s, big.NewInt(1))
}

func mustCreate(t testing.TB, tmpl, parent *x509.Certificate, pub any, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// NewPKI makes a root "NAME Root" and an intermediate "NAME Intermediate"
// under it. Each edit changes the intermediate's template before it is
// signed (to add name constraints, for instance).
func NewPKI(t testing.TB, name string, edits ...func(inter *x509.Certificate)) *PKI {
	t.Helper()
	now := time.Now()
	p := &PKI{Dir: t.TempDir()}
	rk := NewKey(t)
	rootT := &x509.Certificate{
		SerialNumber: newSerial(t), Subject: pkix.Name{CommonName: name + " Root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(10 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, MaxPathLen: 1,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	p.Root, p.RootKey = mustCreate(t, rootT, rootT, rk.Public(), rk), rk
	ik := NewKey(t)
	interT := &x509.Certificate{
		SerialNumber: newSerial(t), Subject: pkix.Name{CommonName: name + " Intermediate"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(9 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	for _, edit := range edits {
		edit(interT)
	}
	p.Inter, p.InterKey = mustCreate(t, interT, p.Root, ik.Public(), rk), ik
	p.Pool = x509.NewCertPool()
	p.Pool.AddCert(p.Root)
	p.CAFile = filepath.Join(p.Dir, "ca.pem")
	WritePEM(t, p.CAFile, "CERTIFICATE", p.Root.Raw)
	return p
}

// WritePEM writes ders as PEM blocks of type typ to file (0600).
func WritePEM(t testing.TB, file, typ string, ders ...[]byte) {
	t.Helper()
	var out []byte
	for _, d := range ders {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: d})...)
	}
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Issue signs a leaf for s with the intermediate and writes it, with its
// key, into the PKI's folder.
func (p *PKI) Issue(t testing.TB, s LeafSpec) *Leaf {
	t.Helper()
	now := time.Now()
	if s.NotBefore.IsZero() {
		s.NotBefore = now.Add(-time.Hour)
	}
	if s.NotAfter.IsZero() {
		s.NotAfter = now.Add(24 * time.Hour)
	}
	var uris []*url.URL
	for _, u := range s.URIs {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		uris = append(uris, pu)
	}
	k := NewKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: newSerial(t), Subject: pkix.Name{CommonName: s.CN},
		NotBefore: s.NotBefore, NotAfter: s.NotAfter,
		DNSNames: s.DNS, IPAddresses: s.IPs, EmailAddresses: s.Emails, URIs: uris,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: s.EKU,
		BasicConstraintsValid: true,
	}
	leaf := mustCreate(t, tmpl, p.Inter, k.Public(), p.InterKey)
	l := &Leaf{
		Cert: &tls.Certificate{Certificate: [][]byte{leaf.Raw, p.Inter.Raw}, PrivateKey: k, Leaf: leaf},
		Leaf: leaf,
	}
	base := filepath.Join(p.Dir, leaf.SerialNumber.Text(16))
	l.CertFile, l.KeyFile = base+".pem", base+"-key.pem"
	WritePEM(t, l.CertFile, "CERTIFICATE", leaf.Raw, p.Inter.Raw)
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	WritePEM(t, l.KeyFile, "PRIVATE KEY", kder)
	return l
}

// ServerName is the name of the leaf that Server issues.
const ServerName = "web.localca.test"

// Server issues a serverAuth leaf for ServerName, localhost and 127.0.0.1.
func (p *PKI) Server(t testing.TB) *Leaf {
	t.Helper()
	return p.Issue(t, LeafSpec{CN: ServerName, DNS: []string{ServerName, "localhost"},
		IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
}

// Client issues a clientAuth leaf for NAME.localca.test and
// spiffe://localca.test/NAME.
func (p *PKI) Client(t testing.TB, name string) *Leaf {
	t.Helper()
	return p.Issue(t, LeafSpec{CN: name, DNS: []string{name + ".localca.test"},
		URIs: []string{"spiffe://localca.test/" + name}, EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
}

// CRL returns a DER CRL signed by the intermediate listing revoked, valid
// for validity, with an increasing CRL number.
func (p *PKI) CRL(t testing.TB, validity time.Duration, revoked ...*x509.Certificate) []byte {
	t.Helper()
	p.CRLNumber++
	now := time.Now()
	tmpl := &x509.RevocationList{
		Number: big.NewInt(p.CRLNumber), ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(validity),
	}
	for _, c := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: c.SerialNumber, RevocationTime: now.Add(-time.Second)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, p.Inter, p.InterKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
