package ca_test

import (
	"crypto/x509"
	"errors"
	"fmt"
	"log"

	"github.com/localca/localca/ca"
)

// ExampleCA_Fixture makes the expired fixture, a certificate for
// expired.bad.localca.test from this CA that every client must refuse, and
// shows that Go does; it is in the store under the fixtures profile.
func ExampleCA_Fixture() {
	authority, done := exampleCA()
	defer done()

	f, err := authority.Fixture(ca.CaseExpired)
	if err != nil {
		log.Fatal(err)
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(authority.Root())
	for _, c := range f.Chain {
		inters.AddCert(c)
	}
	_, err = f.Cert.Verify(x509.VerifyOptions{DNSName: f.Name, Roots: roots, Intermediates: inters})
	var invalid x509.CertificateInvalidError
	fmt.Println("name:", f.Name)
	fmt.Println("defect:", f.Case.Defect)
	fmt.Println("Go refuses it as expired:", errors.As(err, &invalid) && invalid.Reason == x509.Expired)
	fmt.Println("profile:", f.Record.Profile)
	// Output:
	// name: expired.bad.localca.test
	// defect: notAfter is in the past
	// Go refuses it as expired: true
	// profile: fixtures
}
