package main

import (
	"testing"
)

// TestIssueWithURL: with --url (or $LOCALCA_URL) a leaf carries the CRL
// distribution point and the AIA OCSP and caIssuers URLs of `localca serve`.
func TestIssueWithURL(t *testing.T) {
	h := newHome(t)
	h.initCA()
	h.ok("issue", "--out-dir", h.out, "--url", "https://127.0.0.1:8443/", "a.test")
	leaf := certs(t, h.read("a.test.pem"))[0]
	if len(leaf.CRLDistributionPoints) != 1 || leaf.CRLDistributionPoints[0] != "https://127.0.0.1:8443/crl" ||
		len(leaf.OCSPServer) != 1 || leaf.OCSPServer[0] != "https://127.0.0.1:8443/ocsp" ||
		len(leaf.IssuingCertificateURL) != 1 || leaf.IssuingCertificateURL[0] != "https://127.0.0.1:8443/intermediate.crt" {
		t.Errorf("URLs: crl %v, ocsp %v, issuer %v", leaf.CRLDistributionPoints, leaf.OCSPServer, leaf.IssuingCertificateURL)
	}
	h.ok("issue", "--out-dir", h.out, "b.test")
	if leaf := certs(t, h.read("b.test.pem"))[0]; len(leaf.CRLDistributionPoints)+len(leaf.OCSPServer) != 0 {
		t.Errorf("without --url a leaf carries no URLs: %v %v", leaf.CRLDistributionPoints, leaf.OCSPServer)
	}
}
