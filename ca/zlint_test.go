package ca_test

import (
	"crypto/x509"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"
	"github.com/zmap/zlint/v3/lint"

	"github.com/localca/localca/ca"
)

// privateCARegistry is zlint's registry filtered for a private CA. Building
// it walks every registered lint, so it is built once per test binary.
var privateCARegistry = sync.OnceValues(func() (lint.Registry, error) {
	return lint.GlobalRegistry().Filter(lint.FilterOptions{
		// Whole sources that speak only to publicly trusted CAs, or to kinds
		// of certificate localca never issues.
		ExcludeSources: lint.SourceList{
			lint.CABFEVGuidelines,           // Extended Validation: identity-vetted public certificates
			lint.CABFCSBaselineRequirements, // code-signing certificates, which localca never issues
			lint.MozillaRootStorePolicy,     // rules for CAs in Mozilla's public root program
			lint.AppleRootStorePolicy,       // rules for CAs in Apple's public root program
			lint.ChromeRootStorePolicy,      // rules for CAs in Chrome's public root program
			lint.EtsiEsi,                    // EU qualified trust services (eIDAS)
		},
		ExcludeNames: zlintExcluded,
	})
})

// zlintExcluded are single lints of the sources we keep (RFC 5280 and
// friends, the CA/Browser Forum Baseline Requirements, Community) whose rule
// binds a publicly trusted CA only, each with why it does not bind localca.
// Every one is a Baseline Requirements lint: no RFC or Community lint is
// excluded, so an RFC 5280 defect still fails the test.
var zlintExcluded = []string{
	// Names and addresses: a development CA exists to certify what the public
	// Web PKI may not. The policy allows .test, .internal and localhost
	// (RFC 6761/RFC 2606 reserved names, not delegated TLDs), loopback and
	// private ranges, and SPIFFE URI SANs, and the intermediate's name
	// constraints say exactly that.
	"e_dnsname_not_valid_tld",                       // BR 7.1.2.7.12: only delegated TLDs
	"e_ext_san_contains_reserved_ip",                // BR 7.1.2.7.12: no reserved IPs (127.0.0.1, 10/8, ...)
	"e_ext_nc_intersects_reserved_ip",               // BR 7.1.2.5.2: constraints must not permit reserved IPs
	"e_ext_san_uniform_resource_identifier_present", // BR 7.1.2.7.12: no URI SANs; SPIFFE IDs are URIs
	// Algorithms: the BRs allow only RSA and ECDSA. Ed25519 (RFC 8410, RFC
	// 8032) is a deliberate --key-type for a private CA; openssl, Go and
	// rustls verify it.
	"e_algorithm_identifier_improper_encoding", // BR 7.1.3.1: SPKI must be RSA or ECDSA
	"e_signature_algorithm_not_supported",      // BR 7.1.3.2: signature must be RSA or ECDSA
	// Certificate policies assert compliance with a public CP/CPS (the CABF
	// reserved OIDs); a private CA has none to assert, and an invented OID
	// would mean nothing to a relying party.
	"e_invalid_ca_certificate_policies",       // BR 7.1.2.10.5
	"e_sub_ca_certificate_policies_missing",   // BR 7.1.2.10.5
	"e_sub_cert_certificate_policies_missing", // BR 7.1.2.7.9
	"e_sub_cert_cert_policy_empty",            // BR 7.1.2.7.9
	// Revocation pointers: the BRs require CRL and AIA URLs that the whole
	// Internet can fetch. localca puts them in leaves only when `localca
	// serve` runs (Options.BaseURL / LOCALCA_URL); an offline CA publishing
	// URLs nobody answers would make clients that fetch them fail.
	"e_missing_crl_distrib_point",                    // BR 7.1.2.11.2 (ballot SC-063)
	"e_sub_ca_crl_distribution_points_missing",       // BR 7.1.2.10.2
	"w_sub_ca_aia_missing",                           // BR 7.1.2.10.3
	"e_sub_cert_aia_missing",                         // BR 7.1.2.7.7
	"w_sub_cert_aia_does_not_contain_issuing_ca_url", // BR 7.1.2.7.7
	// serve's URLs name the machine it runs on (127.0.0.1 by default): a
	// private CA's relying parties are on that machine or network, so its
	// revocation URLs are internal names by nature (RFC 5280 has no such rule).
	"w_sub_cert_aia_contains_internal_names", // BR 7.1.2.7.7
	// Subject contents the BRs regulate for identity-vetted public CAs. Our
	// CA subjects carry O=localca and OU=user@host (as mkcert does, so that a
	// root found in a trust store names the machine that made it) and no
	// country, which we do not know; leaves keep a CN because many tools
	// still display it (it is always one of the SANs).
	"e_ca_country_name_missing",      // BR 7.1.2.10.2: C required in CA subjects
	"e_subj_orgunit_in_ca_cert",      // BR 7.1.2.10.2: OU prohibited in CA subjects
	"w_subject_common_name_included", // BR 7.1.2.7.2: CN "NOT RECOMMENDED"
	// Extensions: RFC 5280 §4.2.1.2 says an end-entity certificate SHOULD
	// carry a subject key identifier and our design asks for it on leaves;
	// the BRs' "NOT RECOMMENDED" is a public-CA size concern.
	"w_ext_subject_key_identifier_not_recommended_subscriber", // BR 7.1.2.7.6
	// The root's path length of 1 is deliberate: it fixes the hierarchy at
	// root → intermediate → leaf, so verifiers refuse any deeper chain. The
	// BRs' SHOULD NOT keeps public roots flexible for hierarchies we do not
	// have.
	"w_root_ca_basic_constraints_path_len_constraint_field_present", // BR 7.1.2.1.4
}

// lintCert runs the private-CA registry over a certificate and fails the
// test for every error, warning or fatal finding.
func lintCert(t *testing.T, what string, c *x509.Certificate) {
	t.Helper()
	expectClean(t, what, lintResults(t, what, c))
}

// lintResults runs the private-CA registry over a certificate.
func lintResults(t *testing.T, what string, c *x509.Certificate) *zlint.ResultSet {
	t.Helper()
	reg, err := privateCARegistry()
	if err != nil {
		t.Fatalf("zlint registry: %v", err)
	}
	zc, err := zx509.ParseCertificate(c.Raw)
	if err != nil {
		t.Fatalf("%s: zcrypto cannot parse it: %v", what, err)
	}
	return zlint.LintCertificateEx(zc, reg)
}

// expectClean fails the test for every error or warning in a zlint result,
// and when no lint ran at all (a registry filtered to nothing would pass
// everything).
func expectClean(t *testing.T, what string, rs *zlint.ResultSet) {
	t.Helper()
	var bad []string
	for name, r := range rs.Results {
		if r.Status >= lint.Warn {
			bad = append(bad, fmt.Sprintf("%s: %s %s", name, r.Status, r.Details))
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("%s: zlint finds:\n  %s", what, strings.Join(bad, "\n  "))
	}
	if len(rs.Results) == 0 {
		t.Errorf("%s: zlint ran no lint at all", what)
	}
}

// TestZlint lints every kind of certificate localca makes: the root and the
// intermediate of each --key-type, and leaves of each profile and leaf key
// type.
func TestZlint(t *testing.T) {
	leaves := []struct {
		profile string
		names   []string
	}{
		{"server", []string{"api.test", "*.api.test", "127.0.0.1", "::1"}},
		{"client", []string{"alice.test", "alice@dev.test"}},
		{"peer", []string{"peer.test", "spiffe://localca.test/peer"}},
	}
	for _, caType := range ca.KeyTypes {
		t.Run(caType, func(t *testing.T) {
			c := newCA(t, caType)
			lintCert(t, "root", c.Root())
			lintCert(t, "intermediate", c.Intermediate())
			if caType != "ecdsa-p256" {
				return // the leaves do not depend on the CA's key type: lint them once
			}
			for _, l := range leaves {
				for _, kt := range []string{"ecdsa-p256", "ecdsa-p384", "ed25519", "rsa-2048"} {
					iss, err := c.Issue(ca.IssueRequest{Names: l.names, Profile: l.profile, KeyType: kt})
					if err != nil {
						t.Fatalf("Issue %s %s: %v", l.profile, kt, err)
					}
					lintCert(t, l.profile+"/"+kt, iss.Cert)
				}
			}
		})
	}
}
