package ca_test

import (
	"path/filepath"
	"testing"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// TestZlintHTTPURLs lints a leaf that carries serve's plain-HTTP CRL and
// AIA URLs (RFC 5280 4.2.1.13 and 4.2.2.1: http:// for both), the serve's
// own TLS certificate among them.
func TestZlintHTTPURLs(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "localca.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := ca.Init(st, ca.InitOptions{}, ca.Options{BaseURL: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	iss, err := c.Issue(ca.IssueRequest{Names: []string{"localhost", "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := iss.Cert.CRLDistributionPoints; len(got) != 1 || got[0] != "http://127.0.0.1:8080/crl" {
		t.Fatalf("CRL DP %v", got)
	}
	if got := iss.Cert.IssuingCertificateURL; len(got) != 1 || got[0] != "http://127.0.0.1:8080/intermediate.crt" {
		t.Fatalf("caIssuers %v", got)
	}
	lintCert(t, "leaf with http:// URLs", iss.Cert)
}
