package ca_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// ExampleCA_Issue makes a CA in a fresh store and issues a server
// certificate with its key in one step, as `localca issue` does. The
// certificate is in the store when Issue returns.
func ExampleCA_Issue() {
	dir, err := os.MkdirTemp("", "localca-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := store.Open(filepath.Join(dir, "localca.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	authority, err := ca.Init(st, ca.InitOptions{Name: "Example Root"}, ca.Options{})
	if err != nil {
		log.Fatal(err)
	}
	iss, err := authority.Issue(ca.IssueRequest{Names: []string{"api.test", "127.0.0.1"}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("names:", iss.Record.Names)
	fmt.Println("profile:", iss.Record.Profile)
	fmt.Println("subject:", iss.Cert.Subject.CommonName)
	fmt.Println("issuer:", iss.Cert.Issuer.CommonName)
	fmt.Println("CA:", iss.Cert.IsCA)

	stored, err := st.Cert(iss.Record.Serial)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("in store:", stored.SerialHex() == iss.Record.SerialHex())
	// Output:
	// names: [api.test 127.0.0.1]
	// profile: server
	// subject: api.test
	// issuer: Example Root Intermediate
	// CA: false
	// in store: true
}

// ExampleParseSubject reads the openssl -subj form that `csr create
// --subject` takes.
func ExampleParseSubject() {
	n, err := ca.ParseSubject(`/CN=api.test/O=Acme\/Dev/C=DE`)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n.CommonName, n.Organization, n.Country)
	// Output: api.test [Acme/Dev] [DE]
}

// exampleCA makes a CA in a fresh temporary store, for the examples whose
// lesson is not the set-up (ExampleCA_Issue shows it whole); done removes it.
func exampleCA() (authority *ca.CA, done func()) {
	dir, err := os.MkdirTemp("", "localca-example")
	if err != nil {
		log.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "localca.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	authority, err = ca.Init(st, ca.InitOptions{Name: "Example Root"}, ca.Options{})
	if err != nil {
		log.Fatal(err)
	}
	return authority, func() { st.Close(); os.RemoveAll(dir) }
}
