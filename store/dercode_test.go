package store

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

// TestStaticDictFixed: records coded against staticDict are read with it,
// so it may never change.
func TestStaticDictFixed(t *testing.T) {
	b, err := hex.DecodeString(staticDict)
	if err != nil {
		t.Fatalf("staticDict is not hex: %v", err)
	}
	sum := sha256.Sum256(b)
	if got, want := hex.EncodeToString(sum[:]), "d20142643b2f31d646d0b1b50e697afb9373fcdf76c18b09627164daacb2e79d"; got != want || len(b) != 691 {
		t.Fatalf("staticDict has changed (%d bytes, SHA-256 %s): records coded against it can no longer be read", len(b), got)
	}
}

// localcaSubject is how localca names its intermediate (ca/init.go).
var localcaSubject = pkix.Name{CommonName: "localca Root CA Intermediate",
	Organization: []string{"localca"}, OrganizationalUnit: []string{"root@vm"}}

// signLeaf signs a leaf for pub as localca's profiles shape one.
func signLeaf(t testing.TB, issuer *x509.Certificate, signer crypto.Signer, pub crypto.PublicKey, ku x509.KeyUsage, eku []x509.ExtKeyUsage, aia bool) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: randSerial(t), Subject: pkix.Name{CommonName: "svc.test"},
		DNSNames: []string{"svc.test"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: testNow.Add(-time.Minute), NotAfter: testNow.AddDate(0, 3, 0),
		KeyUsage: ku, ExtKeyUsage: eku, BasicConstraintsValid: true, SubjectKeyId: make([]byte, 20),
	}
	rand.Read(tmpl.SubjectKeyId)
	if aia {
		tmpl.CRLDistributionPoints = []string{"http://127.0.0.1:8443/crl"}
		tmpl.OCSPServer = []string{"http://127.0.0.1:8443/ocsp"}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestDERCode: a certificate's DER comes back from its code byte for
// byte, and localca's leaves code to well under their size, whatever
// their key and their issuer's; what is not a certificate comes back too.
func TestDERCode(t *testing.T) {
	ecCA := newTestCASubject(t, localcaSubject)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaCADER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: randSerial(t), Subject: localcaSubject, NotBefore: testNow, NotAfter: testNow.AddDate(5, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}, ecCA.cert, &rsaKey.PublicKey, ecCA.key.priv)
	if err != nil {
		t.Fatal(err)
	}
	rsaCA, err := x509.ParseCertificate(rsaCADER)
	if err != nil {
		t.Fatal(err)
	}
	leafRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	server, both := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	ds, dsKE := x509.KeyUsageDigitalSignature, x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment
	noise := make([]byte, 400)
	rand.Read(noise)
	tests := []struct {
		name     string
		issuer   []byte
		der      []byte
		maxRatio float64 // code / DER at most; 0: no bound
	}{
		{"P-256 server leaf", ecCA.auth.CertDER, signLeaf(t, ecCA.cert, ecCA.key.priv, &p256.PublicKey, ds, server, false), 0.65},
		{"P-384 leaf for both, with CRL and OCSP", ecCA.auth.CertDER, signLeaf(t, ecCA.cert, ecCA.key.priv, &p384.PublicKey, ds, both, true), 0.75},
		{"Ed25519 leaf", ecCA.auth.CertDER, signLeaf(t, ecCA.cert, ecCA.key.priv, edPub, ds, server, false), 0.65},
		{"RSA leaf of an RSA issuer", rsaCADER, signLeaf(t, rsaCA, rsaKey, &leafRSA.PublicKey, dsKE, server, false), 0.8},
		{"the issuer itself", ecCA.auth.CertDER, ecCA.auth.CertDER, 0.05},
		{"random bytes", ecCA.auth.CertDER, noise, 0},
		{"nothing", ecCA.auth.CertDER, nil, 0},
		{"one byte", ecCA.auth.CertDER, []byte{0x30}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDERDict(tt.issuer)
			code := d.encode(nil, tt.der)
			got, err := d.decode([]byte("prefix"), code)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if !bytes.Equal(got, append([]byte("prefix"), tt.der...)) {
				t.Fatalf("decode(encode(der)) differs from der")
			}
			if codedLen(code) != len(tt.der) {
				t.Errorf("codedLen = %d, want %d", codedLen(code), len(tt.der))
			}
			ratio := float64(len(code)) / float64(max(1, len(tt.der)))
			t.Logf("%d bytes code to %d (%.2f)", len(tt.der), len(code), ratio)
			if tt.maxRatio > 0 && ratio > tt.maxRatio {
				t.Errorf("%d bytes code to %d, %.2f of them; want at most %.2f", len(tt.der), len(code), ratio, tt.maxRatio)
			}
			// As a record's field: a length, then the code, when shorter.
			field, ok := d.appendCode([]byte("head"), tt.der)
			if shorter := len(code) < len(tt.der); ok != shorter {
				t.Fatalf("appendCode ok %v for a code of %d bytes and a DER of %d", ok, len(code), len(tt.der))
			}
			if !ok {
				return
			}
			dec := certDecoder{b: field[len("head"):]}
			if inField := dec.bytes(); !bytes.Equal(inField, code) || len(dec.b) != 0 || !bytes.HasPrefix(field, []byte("head")) {
				t.Errorf("appendCode's field %x, want head then the code %x", field, code)
			}
		})
	}
}

// TestDERDecodeCorrupt: a damaged code is refused as ErrCorrupt, never read
// past its end or the dictionary's.
func TestDERDecodeCorrupt(t *testing.T) {
	d := newDERDict([]byte("an issuer's certificate"))
	uv := func(vs ...uint64) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.AppendUvarint(b, v)
		}
		return b
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	good := d.encode(nil, []byte("xx an issuer's certificate yy"))
	if _, err := d.decode(nil, good); err != nil {
		t.Fatalf("the good code: %v", err)
	}
	tests := []struct {
		name string
		code []byte
	}{
		{"empty", nil},
		{"length too large", uv(maxCodedDER, 0)},
		{"length unterminated", []byte{0x80}},
		{"literal past the end", cat(uv(10, 20), []byte("abc"))},
		{"literal past the length", cat(uv(2, 3), []byte("abc"))},
		{"no copy after a short literal", cat(uv(10, 1), []byte("a"))},
		{"copy offset past the dictionary", cat(uv(10, 0, 0, uint64(len(d.b))))},
		{"copy running off the dictionary", cat(uv(10, 0, 0, uint64(len(d.b)-2)))},
		{"copy past the length", cat(uv(6, 0, 3, 0))},
		{"huge copy", cat(uv(10, 0, 1<<40, 0))},
		{"bytes after the end", cat(good, []byte{0})},
		{"truncated", good[:len(good)-1]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := d.decode(nil, tt.code); !errors.Is(err, ErrCorrupt) {
				t.Errorf("decode = %q, %v; want ErrCorrupt", got, err)
			}
		})
	}
}

// FuzzDERCode: any input decodes or is refused, without a panic, and any
// bytes survive a round trip against any dictionary.
func FuzzDERCode(f *testing.F) {
	d := newDERDict([]byte("0\x82\x01\xf1an issuer's certificate"))
	f.Add([]byte("0\x82\x01\xf1 an issuer's certificate and more"))
	f.Add(d.encode(nil, []byte("0\x82\x01\xf1 an issuer's certificate and more")))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < maxCodedDER {
			got, err := d.decode(nil, d.encode(nil, b))
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("round trip of %x: %x, %v", b, got, err)
			}
			if field, ok := d.appendCode([]byte{7}, b); ok {
				dec := certDecoder{b: field[1:]}
				got, err := d.decode(nil, dec.bytes())
				if err != nil || !bytes.Equal(got, b) || len(dec.b) != 0 || field[0] != 7 {
					t.Fatalf("round trip of %x through appendCode: %x, %v", b, got, err)
				}
			}
		}
		if got, err := d.decode(nil, b); err == nil && len(got) != codedLen(b) {
			t.Fatalf("decoded %d bytes, the code says %d", len(got), codedLen(b))
		}
	})
}

// oneIssuer resolves every issuer prefix to one authority and gives its
// dictionary: for codec tests without a store.
type oneIssuer struct {
	id string
	d  *derDict
}

// issuerOf is the oneIssuer of the certificate der, its id the SHA-256 as
// an authority's is.
func issuerOf(der []byte) oneIssuer {
	sum := sha256.Sum256(der)
	return oneIssuer{hex.EncodeToString(sum[:]), newDERDict(der)}
}

func newOneIssuer(ca *testCA) oneIssuer { return issuerOf(ca.auth.CertDER) }

func (o oneIssuer) resolve([]byte) (string, bool) { return o.id, o.id != "" }

func (o oneIssuer) dict(id string) (*derDict, error) {
	if id != o.id {
		return nil, nil
	}
	return o.d, nil
}

// TestCodedRecords: a certificate whose issuer is an authority of the
// store is kept coded against its issuer's certificate, and reads back as
// it was, by serial, by name, after a revocation and in a transaction
// that remembers nothing; one whose issuer the store does not hold is kept
// as it is; and a coded record whose issuer's certificate is gone is
// refused as corrupt, not misread.
func TestCodedRecords(t *testing.T) {
	s := openTest(t, nil)
	inter, stranger := newTestCASubject(t, localcaSubject), newTestCA(t, "Stranger")
	if err := s.InitCA(newTestCA(t, "Root").auth, inter.auth, false); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		ca    *testCA
		coded bool
	}{
		{"issued by the store's intermediate", inter, true},
		{"issued by an authority the store lacks", stranger, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.ca.issue(t, nil, testNow.AddDate(0, 3, 0), "coded.test")
			c.Names = []string{tt.name}
			want := *c
			mustCommit(t, s, Record{Cert: c})
			want.Status, want.Reason = CertValid, NoReason
			var raw []byte
			if err := s.view(func(tx ReadTx) error {
				v, err := tx.Get(certKey(c.id))
				raw = bytes.Clone(v)
				if err != nil {
					return err
				}
				got, err := decodeCert(v, newIssuers(tx)) // no memory of dictionaries
				if err == nil {
					if d := diffCert(got, &want); d != "" {
						t.Errorf("decoded with a resolver of its own: %s", d)
					}
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if coded := raw[0] == certCodedVersion; coded != tt.coded {
				t.Fatalf("record version %d: coded %v, want %v", raw[0], coded, tt.coded)
			}
			if tt.coded && len(raw) > len(c.DER)*3/4 {
				t.Errorf("a %d-byte record for a %d-byte certificate", len(raw), len(c.DER))
			}
			got, err := s.Cert(c.Serial)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffCert(got, &want); d != "" {
				t.Errorf("Cert: %s", d)
			}
			list, err := s.ListCerts(Filter{Name: tt.name})
			if err != nil || len(list) != 1 {
				t.Fatalf("ListCerts = %d, %v; want one", len(list), err)
			}
			if d := diffCert(list[0], &want); d != "" {
				t.Errorf("ListCerts: %s", d)
			}
			revoked, err := s.RevokeCert(c.Serial, testNow, 1)
			if err != nil {
				t.Fatal(err)
			}
			if got, err = s.Cert(c.Serial); err != nil || !bytes.Equal(got.DER, c.DER) || got.Status != CertRevoked || !bytes.Equal(revoked.DER, c.DER) {
				t.Errorf("after revocation: %v, %v", got, err)
			}
		})
	}
	t.Run("the issuer's certificate gone", func(t *testing.T) {
		c := inter.issue(t, nil, testNow.AddDate(0, 3, 0), "orphan.test")
		v := encodeCert(c, newOneIssuer(inter))
		if v[0] != certCodedVersion {
			t.Fatalf("record version %d, want the coded %d", v[0], certCodedVersion)
		}
		gone := oneIssuer{id: inter.auth.ID}
		if got, err := decodeCert(v, gone); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "missing") {
			t.Errorf("decodeCert = %v, %v; want ErrCorrupt naming the missing certificate", got, err)
		}
		if _, err := recordHasSerial(v, gone, c.Serial); !errors.Is(err, ErrCorrupt) {
			t.Errorf("recordHasSerial: %v; want ErrCorrupt", err)
		}
		if same, err := recordHasSerial(v, newOneIssuer(inter), c.Serial); err != nil || !same {
			t.Errorf("recordHasSerial = %v, %v; want true", same, err)
		}
		// A read that fails is that failure, not a corrupt record.
		failing := unreadableIssuer{newOneIssuer(inter)}
		if got, err := decodeCert(v, failing); !errors.Is(err, errUnreadable) || errors.Is(err, ErrCorrupt) {
			t.Errorf("decodeCert with the issuer unreadable = %v, %v; want the read's error", got, err)
		}
		if _, err := recordHasSerial(v, failing, c.Serial); !errors.Is(err, errUnreadable) {
			t.Errorf("recordHasSerial with the issuer unreadable: %v; want the read's error", err)
		}
	})
}

var errUnreadable = errors.New("test: the authority cannot be read")

// unreadableIssuer resolves as its oneIssuer does, but every read of a
// dictionary fails.
type unreadableIssuer struct{ oneIssuer }

func (unreadableIssuer) dict(string) (*derDict, error) { return nil, errUnreadable }

// TestAuthorityDictChecksID: the store remembers dictionaries by authority
// id, so an authority whose id is not its certificate's SHA-256 gets none
// (its certificates are kept as they are).
func TestAuthorityDictChecksID(t *testing.T) {
	a := *newTestCA(t, "Root").auth
	if authorityDict(&a) == nil {
		t.Fatal("no dictionary for a sound authority")
	}
	a.ID = strings.Repeat("ab", 32)
	if authorityDict(&a) != nil {
		t.Error("a dictionary for an authority whose id is not its certificate's hash")
	}
}
