package store

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// testNow is the fixed clock of most tests: a whole second, so that the
// second-precision NotAfter of a certificate can sit exactly on a boundary.
var testNow = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// openTest opens a new store in a fresh temporary directory, with the clock
// at testNow, and closes it when the test ends.
func openTest(t testing.TB, opts *Options) *Store {
	t.Helper()
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = func() time.Time { return testNow }
	}
	var s *Store
	var err error
	if etcdUnderTest != nil {
		// TestTypedStoreOnEtcd: the same test on etcd, a fresh prefix each.
		etcdPrefixes++
		s, err = OpenURL(etcdUnderTest.URL(fmt.Sprintf("typed%d", etcdPrefixes)), &o, nil)
	} else {
		s, err = Open(filepath.Join(t.TempDir(), "localca.db"), &o)
	}
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testKey is a key pair made at run time, with the record the store keeps.
type testKey struct {
	priv *ecdsa.PrivateKey
	rec  *Key
}

func newTestKey(t testing.TB) *testKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spki, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	fp := sha256.Sum256(spki)
	return &testKey{priv: priv, rec: &Key{Fingerprint: fp[:], Algorithm: "ecdsa", Size: 256}}
}

// key returns a fresh copy of the key's record, so that what one Commit does
// to it does not leak into the next.
func (k *testKey) key() *Key {
	c := *k.rec
	return &c
}

func (k *testKey) fp() []byte { return k.rec.Fingerprint }

// newTestCSR makes a real CSR for k asking for names.
func newTestCSR(t testing.TB, k *testKey, names ...string) *CSR {
	t.Helper()
	tmpl := &x509.CertificateRequest{Subject: pkix.Name{CommonName: first(names)}, DNSNames: names}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, k.priv)
	if err != nil {
		t.Fatal(err)
	}
	id := sha256.Sum256(der)
	return &CSR{ID: id[:], DER: der, Subject: "CN=" + first(names), Names: names, KeyFingerprint: k.fp()}
}

func first(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// testCA is an authority made at run time that signs real certificates.
type testCA struct {
	key  *testKey
	cert *x509.Certificate
	auth *Authority
}

func newTestCA(t testing.TB, name string) *testCA {
	t.Helper()
	return newTestCASubject(t, pkix.Name{CommonName: name})
}

// newTestCASubject is newTestCA with a whole subject: as localca names its
// intermediate (ca/init.go), where sizes matter.
func newTestCASubject(t testing.TB, subject pkix.Name) *testCA {
	t.Helper()
	k := newTestKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          randSerial(t),
		Subject:               subject,
		NotBefore:             testNow.Add(-time.Hour),
		NotAfter:              testNow.AddDate(10, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.priv.PublicKey, k.priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	id := sha256.Sum256(der)
	return &testCA{key: k, cert: cert, auth: &Authority{
		ID: hex.EncodeToString(id[:]), Role: "root", CertDER: der, Created: testNow,
	}}
}

func randSerial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		t.Fatal(err)
	}
	return n.Add(n, big.NewInt(1)) // positive, never zero
}

// issue signs a leaf for k (a new key when nil) with the given names and
// NotAfter, and returns the record the CA would commit.
func (ca *testCA) issue(t testing.TB, k *testKey, notAfter time.Time, names ...string) *Cert {
	t.Helper()
	return ca.issueSerial(t, k, randSerial(t), notAfter, names...)
}

// issueSerial is issue with the given serial.
func (ca *testCA) issueSerial(t testing.TB, k *testKey, serial *big.Int, notAfter time.Time, names ...string) *Cert {
	t.Helper()
	if k == nil {
		k = newTestKey(t)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: first(names)},
		DNSNames:     names,
		NotBefore:    testNow.Add(-time.Hour),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		// Like the CA's leaves: basic constraints and key identifiers, so
		// that sizes measured here are those of real records.
		BasicConstraintsValid: true,
		SubjectKeyId:          k.fp()[:20],
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &k.priv.PublicKey, ca.key.priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &Cert{
		Serial:         cert.SerialNumber.Bytes(),
		DER:            der,
		IssuerID:       ca.auth.ID,
		KeyFingerprint: k.fp(),
		Profile:        "server",
		Names:          slices.Clone(names),
		NotAfter:       cert.NotAfter,
	}
}

// mustCommit commits r and fails the test on error.
func mustCommit(t testing.TB, s *Store, r Record) {
	t.Helper()
	if err := s.Commit(r); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// diffCert describes how got differs from want, or returns "" when they hold
// the same record. Times compare by instant; the unexported seq is ignored.
func diffCert(got, want *Cert) string {
	var d []string
	eqb := func(field string, a, b []byte) {
		if !bytes.Equal(a, b) {
			d = append(d, fmt.Sprintf("%s: got %x, want %x", field, a, b))
		}
	}
	eqs := func(field string, a, b any) {
		if a != b {
			d = append(d, fmt.Sprintf("%s: got %v, want %v", field, a, b))
		}
	}
	eqb("Serial", got.Serial, want.Serial)
	eqb("DER", got.DER, want.DER)
	eqb("KeyFingerprint", got.KeyFingerprint, want.KeyFingerprint)
	eqb("CSRID", got.CSRID, want.CSRID)
	eqs("IssuerID", got.IssuerID, want.IssuerID)
	eqs("Profile", got.Profile, want.Profile)
	eqs("Status", got.Status, want.Status)
	eqs("Reason", got.Reason, want.Reason)
	if !slices.Equal(got.Names, want.Names) {
		d = append(d, fmt.Sprintf("Names: got %q, want %q", got.Names, want.Names))
	}
	if !got.NotAfter.Equal(want.NotAfter) {
		d = append(d, fmt.Sprintf("NotAfter: got %v, want %v", got.NotAfter, want.NotAfter))
	}
	if !got.RevokedAt.Equal(want.RevokedAt) {
		d = append(d, fmt.Sprintf("RevokedAt: got %v, want %v", got.RevokedAt, want.RevokedAt))
	}
	return strings.Join(d, "; ")
}

// serialsOf lists the serials of certs, as hex, in order.
func serialsOf(certs []*Cert) []string {
	out := make([]string, len(certs))
	for i, c := range certs {
		out[i] = c.SerialHex()
	}
	return out
}

// eventKinds lists the kinds of every event in the store, oldest first.
func eventKinds(t testing.TB, s *Store) []string {
	t.Helper()
	evs, err := s.Events(0)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Kind
	}
	return out
}

// snapshot is what a refused write must leave unchanged.
type snapshot struct {
	certs  int
	events []Event
	backup []byte
}

func takeSnapshot(t testing.TB, s *Store) snapshot {
	t.Helper()
	n, err := s.CountCerts()
	if err != nil {
		t.Fatalf("CountCerts: %v", err)
	}
	evs, err := s.Events(0)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	var buf bytes.Buffer
	if _, err := s.Backup(&buf); err != nil {
		t.Fatalf("Backup: %v", err)
	}
	return snapshot{certs: n, events: evs, backup: buf.Bytes()}
}

func (a snapshot) assertSame(t testing.TB, b snapshot) {
	t.Helper()
	if a.certs != b.certs {
		t.Errorf("certificate count changed from %d to %d", a.certs, b.certs)
	}
	if len(a.events) != len(b.events) {
		t.Errorf("event log changed from %d to %d events", len(a.events), len(b.events))
	}
	if !bytes.Equal(a.backup, b.backup) {
		t.Errorf("store bytes changed (%d → %d bytes)", len(a.backup), len(b.backup))
	}
}

// placeholderKeyPEM is a PEM block of type PRIVATE KEY holding n zero
// bytes: the shape of a stored key for tests of the store's records,
// built at run time so that no key-like block is committed.
func placeholderKeyPEM(n int) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE " + "KEY", Bytes: make([]byte, n)})
}
