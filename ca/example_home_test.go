package ca_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/localca/localca/ca"
)

// A program opens the CA of a home as the localca command would, making
// it on first use, and issues from it.
func ExampleHome_Open() {
	dir, err := os.MkdirTemp("", "localca-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	home := ca.Home{
		Dir:    filepath.Join(dir, "home"),
		Getenv: func(string) string { return "" }, // not this user's LOCALCA_*
	}
	authority, created, err := home.Open(ca.Access{InitIfNone: true}, ca.Options{})
	if err != nil {
		panic(err)
	}
	iss, err := authority.Issue(ca.IssueRequest{Names: []string{"api.test"}})
	if err != nil {
		panic(err)
	}
	fmt.Println("created:", created)
	fmt.Println("root:", authority.Root().Subject.CommonName)
	fmt.Println("issued:", iss.Cert.DNSNames)

	recs, err := home.Certificates(ca.CertFilter{Name: "api.test"}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("in the store:", len(recs), recs[0].Status)
	// Output:
	// created: true
	// root: localca Root CA
	// issued: [api.test]
	// in the store: 1 valid
}
