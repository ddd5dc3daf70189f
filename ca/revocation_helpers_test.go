package ca_test

import (
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// execOut runs an outside tool and returns its combined output and error,
// for runs that are meant to fail.
func execOut(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock { return &testClock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// revCA is an unencrypted ECDSA CA on the test clock, in a store at path.
type revCA struct {
	*ca.CA
	st    *store.Store
	path  string
	clock *testClock
}

func newRevCA(t testing.TB) *revCA {
	t.Helper()
	path := filepath.Join(t.TempDir(), "localca.db")
	st, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := newClock()
	c, err := ca.Init(st, ca.InitOptions{}, ca.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &revCA{CA: c, st: st, path: path, clock: clk}
}

// sign issues a server certificate for names to key.
func (r *revCA) sign(t testing.TB, key crypto.Signer, validity time.Duration, names ...string) *ca.Issued {
	t.Helper()
	iss, err := r.Sign(csrPEM(t, key, &x509.CertificateRequest{Subject: pkix.Name{CommonName: names[0]}, DNSNames: names}),
		ca.SignOptions{Validity: validity})
	if err != nil {
		t.Fatalf("signing %v: %v", names, err)
	}
	return iss
}

// ocspRequest is a DER OCSP request (SHA-1 CertID, as openssl sends by
// default) for serial under issuer, with a nonce extension when nonce is
// not nil. x/crypto/ocsp cannot add extensions, hence this builder.
func ocspRequest(t testing.TB, serial *big.Int, issuer *x509.Certificate, nonce []byte) []byte {
	t.Helper()
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(issuer.RawSubjectPublicKeyInfo, &spki); err != nil {
		t.Fatal(err)
	}
	nameHash := sha1.Sum(issuer.RawSubject)
	keyHash := sha1.Sum(spki.PublicKey.RightAlign())
	type certID struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		NameHash      []byte
		IssuerKeyHash []byte
		SerialNumber  *big.Int
	}
	type request struct{ Cert certID }
	type tbs struct {
		RequestList []request
		Extensions  []pkix.Extension `asn1:"explicit,tag:2,optional"`
	}
	type ocspReq struct{ TBS tbs }
	req := ocspReq{TBS: tbs{RequestList: []request{{certID{
		HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, Parameters: asn1.NullRawValue},
		NameHash:      nameHash[:], IssuerKeyHash: keyHash[:], SerialNumber: serial,
	}}}}}
	if nonce != nil {
		v, err := asn1.Marshal(nonce)
		if err != nil {
			t.Fatal(err)
		}
		req.TBS.Extensions = []pkix.Extension{{Id: oidNonce, Value: v}}
	}
	der, err := asn1.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

var oidNonce = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}

// responseExtensions digs the responseExtensions out of a DER OCSP response
// (x/crypto/ocsp reports only the singleExtensions).
func responseExtensions(t testing.TB, der []byte) []pkix.Extension {
	t.Helper()
	var outer struct {
		Status   asn1.Enumerated
		Response struct {
			Type  asn1.ObjectIdentifier
			Bytes []byte
		} `asn1:"explicit,tag:0,optional"`
	}
	if _, err := asn1.Unmarshal(der, &outer); err != nil {
		t.Fatalf("OCSP response: %v", err)
	}
	var basic struct {
		TBS struct {
			Version     int `asn1:"optional,default:0,explicit,tag:0"`
			ResponderID asn1.RawValue
			ProducedAt  time.Time `asn1:"generalized"`
			Responses   []asn1.RawValue
			Extensions  []pkix.Extension `asn1:"explicit,tag:1,optional"`
		}
		SigAlg pkix.AlgorithmIdentifier
		Sig    asn1.BitString
		Certs  []asn1.RawValue `asn1:"explicit,tag:0,optional"`
	}
	if _, err := asn1.Unmarshal(outer.Response.Bytes, &basic); err != nil {
		t.Fatalf("OCSP basic response: %v", err)
	}
	return basic.TBS.Extensions
}
