package netdemo

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

// testPKI is a throwaway root + intermediate generated at test time. Keys
// are never written anywhere but t.TempDir().
type testPKI struct {
	name      string
	root      *x509.Certificate
	rootKey   crypto.Signer
	inter     *x509.Certificate
	interKey  crypto.Signer
	pool      *x509.CertPool // the root only: "only our CA"
	dir       string
	caFile    string // root PEM, for curl --cacert and friends
	crlNumber int64
}

// testLeaf is a leaf certificate with its chain and key, in memory and on disk.
type testLeaf struct {
	cert     *tls.Certificate // leaf, intermediate
	leaf     *x509.Certificate
	certFile string // PEM chain: leaf then intermediate
	keyFile  string
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
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

func newTestPKI(t testing.TB, name string) *testPKI {
	t.Helper()
	now := time.Now()
	p := &testPKI{name: name, dir: t.TempDir()}
	rk := newKey(t)
	rootT := &x509.Certificate{
		SerialNumber: newSerial(t), Subject: pkix.Name{CommonName: name + " Root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(10 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, MaxPathLen: 1,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	p.root, p.rootKey = mustCreate(t, rootT, rootT, rk.Public(), rk), rk
	ik := newKey(t)
	interT := &x509.Certificate{
		SerialNumber: newSerial(t), Subject: pkix.Name{CommonName: name + " Intermediate"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(9 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	p.inter, p.interKey = mustCreate(t, interT, p.root, ik.Public(), rk), ik
	p.pool = x509.NewCertPool()
	p.pool.AddCert(p.root)
	p.caFile = filepath.Join(p.dir, "ca.pem")
	writePEM(t, p.caFile, "CERTIFICATE", p.root.Raw)
	return p
}

func writePEM(t testing.TB, file, typ string, ders ...[]byte) {
	t.Helper()
	var out []byte
	for _, d := range ders {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: d})...)
	}
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

type leafSpec struct {
	cn        string
	dns       []string
	ips       []net.IP
	uris      []string
	eku       []x509.ExtKeyUsage
	notBefore time.Time
	notAfter  time.Time
}

func (p *testPKI) issue(t testing.TB, s leafSpec) *testLeaf {
	t.Helper()
	now := time.Now()
	if s.notBefore.IsZero() {
		s.notBefore = now.Add(-time.Hour)
	}
	if s.notAfter.IsZero() {
		s.notAfter = now.Add(24 * time.Hour)
	}
	var uris []*url.URL
	for _, u := range s.uris {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		uris = append(uris, pu)
	}
	k := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: newSerial(t), Subject: pkix.Name{CommonName: s.cn},
		NotBefore: s.notBefore, NotAfter: s.notAfter,
		DNSNames: s.dns, IPAddresses: s.ips, URIs: uris,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: s.eku,
		BasicConstraintsValid: true,
	}
	leaf := mustCreate(t, tmpl, p.inter, k.Public(), p.interKey)
	l := &testLeaf{
		cert: &tls.Certificate{Certificate: [][]byte{leaf.Raw, p.inter.Raw}, PrivateKey: k, Leaf: leaf},
		leaf: leaf,
	}
	base := filepath.Join(p.dir, leaf.SerialNumber.Text(16))
	l.certFile, l.keyFile = base+".pem", base+"-key.pem"
	writePEM(t, l.certFile, "CERTIFICATE", leaf.Raw, p.inter.Raw)
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, l.keyFile, "PRIVATE KEY", kder)
	return l
}

const testServerName = "web.localca.test"

func (p *testPKI) server(t testing.TB) *testLeaf {
	t.Helper()
	return p.issue(t, leafSpec{cn: testServerName, dns: []string{testServerName, "localhost"},
		ips: []net.IP{net.IPv4(127, 0, 0, 1)}, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
}

func (p *testPKI) client(t testing.TB, name string) *testLeaf {
	t.Helper()
	return p.issue(t, leafSpec{cn: name, dns: []string{name + ".localca.test"},
		uris: []string{"spiffe://localca.test/" + name}, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
}

// crl returns a DER CRL signed by the intermediate listing revoked, valid
// for validity, with an increasing CRL number.
func (p *testPKI) crl(t testing.TB, validity time.Duration, revoked ...*x509.Certificate) []byte {
	t.Helper()
	p.crlNumber++
	now := time.Now()
	tmpl := &x509.RevocationList{
		Number: big.NewInt(p.crlNumber), ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(validity),
	}
	for _, c := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: c.SerialNumber, RevocationTime: now.Add(-time.Second)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, p.inter, p.interKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
