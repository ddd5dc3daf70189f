package store_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/localca/localca/store"
)

// A CA commits the key it made, the CSR and the certificate in one record
// before it hands the certificate out; the store refuses a serial it has
// seen, and revocation is one more transaction.
func ExampleStore_Commit() {
	dir, err := os.MkdirTemp("", "localca-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	s, err := store.Open(filepath.Join(dir, "localca.db"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	// A self-signed certificate stands in for what the ca package signs.
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spki, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	fp := sha256.Sum256(spki)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x1234),
		Subject:      pkix.Name{CommonName: "api.test"},
		DNSNames:     []string{"api.test"},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(90 * 24 * time.Hour),
	}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	csrDER, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: tmpl.DNSNames}, priv)
	csrID := sha256.Sum256(csrDER)

	cert := func() *store.Cert {
		return &store.Cert{
			Serial: tmpl.SerialNumber.Bytes(), DER: der, KeyFingerprint: fp[:], CSRID: csrID[:],
			Profile: "server", Names: tmpl.DNSNames, NotAfter: tmpl.NotAfter,
		}
	}
	err = s.Commit(store.Record{
		Key:  &store.Key{Fingerprint: fp[:], Algorithm: "ecdsa", Size: 256},
		CSR:  &store.CSR{ID: csrID[:], DER: csrDER, Names: tmpl.DNSNames, KeyFingerprint: fp[:]},
		Cert: cert(),
	})
	fmt.Println("commit:", err)

	err = s.Commit(store.Record{Cert: cert()})
	fmt.Println("same serial again refused:", errors.Is(err, store.ErrSerialExists))

	csr, _ := s.CSR(csrID[:])
	fmt.Println("CSR:", csr.Status)

	certs, _ := s.ListCerts(store.Filter{Name: "API.test"})
	for _, c := range certs {
		fmt.Println(c.SerialHex(), c.Names, c.Status)
	}

	revoked, _ := s.RevokeCert(tmpl.SerialNumber.Bytes(), time.Now(), store.NoReason)
	fmt.Println(revoked.SerialHex(), revoked.Status)
	// Output:
	// commit: <nil>
	// same serial again refused: true
	// CSR: signed
	// 1234 [api.test] valid
	// 1234 revoked
}
