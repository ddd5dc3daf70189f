package ca_test

import (
	"cmp"
	"crypto/x509"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
	"github.com/zmap/zlint/v3/lint"
	"golang.org/x/crypto/ocsp"
)

// zlintFindings is the sorted list of lints that report a warning or worse.
func zlintFindings(t *testing.T, c *x509.Certificate) []string {
	t.Helper()
	var out []string
	for name, r := range lintResults(t, c.Subject.CommonName, c).Results {
		if r.Status >= lint.Warn {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// TestFixtures makes every case and checks that it is wrong in its one way:
// Go's verifier gives the case's error (or accepts it where Go does not
// check that defect), zlint reports the case's defect and nothing else
// where it has a lint for it, and the store records it as a fixture.
func TestFixtures(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	roots := x509.NewCertPool()
	roots.AddCert(c.Root())
	tests := []struct {
		name   string
		goErr  string   // "" means Go accepts it
		lints  []string // what zlint must report, exactly
		status string
	}{
		{name: "good"},
		{name: "expired", goErr: "x509: certificate has expired or is not yet valid"},
		{name: "not-yet-valid", goErr: "x509: certificate has expired or is not yet valid"},
		// A self-signed leaf without keyCertSign is no CA: zlint has no lint
		// that calls a self-signed leaf wrong.
		{name: "self-signed", goErr: "x509: certificate signed by unknown authority"},
		{name: "untrusted-root", goErr: "x509: certificate signed by unknown authority"},
		{name: "revoked", status: store.CertRevoked}, // Go's verifier does not check revocation
		{name: "wrong-eku", goErr: "x509: certificate specifies an incompatible key usage"},
		{name: "name-constraints", goErr: "x509: a root or intermediate certificate is not authorized to sign for this name"},
		{name: "rsa-1024", lints: []string{"e_rsa_mod_less_than_2048_bits"}}, // Go accepts 1024-bit RSA
		{name: "no-san", goErr: "x509: certificate relies on legacy Common Name field", lints: []string{"e_ext_san_missing", "e_subject_common_name_not_exactly_from_san"}},
		{name: "sha1", goErr: "x509: certificate signed by unknown authority", lints: []string{"e_sub_cert_or_sub_ca_using_sha1", "w_sub_cert_sha1_expiration_too_long"}},
		{name: "incomplete-chain"}, // the server makes the defect
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := c.Fixture(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.name + ".bad.localca.test"; f.Name != want {
				t.Errorf("Name = %q, want %q", f.Name, want)
			}
			inters := x509.NewCertPool()
			for _, ch := range f.Chain {
				inters.AddCert(ch)
			}
			_, err = f.Cert.Verify(x509.VerifyOptions{DNSName: f.Name, Roots: roots, Intermediates: inters})
			switch {
			case tt.goErr == "" && err != nil:
				t.Errorf("Go refuses it: %v", err)
			case tt.goErr != "" && err == nil:
				t.Errorf("Go accepts it, want %q", tt.goErr)
			case tt.goErr != "" && !strings.Contains(err.Error(), tt.goErr):
				t.Errorf("Go says %q, want %q", err, tt.goErr)
			}
			if got := zlintFindings(t, f.Cert); !slices.Equal(got, tt.lints) {
				t.Errorf("zlint finds %q, want %q", got, tt.lints)
			}
			rec, err := c.Store().Cert(f.Cert.SerialNumber.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if rec.Profile != policies.ProfileFixtures {
				t.Errorf("stored profile %q", rec.Profile)
			}
			if want := cmp.Or(tt.status, store.CertValid); rec.StatusAt(time.Now()) != want && tt.name != "expired" {
				t.Errorf("stored status %q, want %q", rec.StatusAt(time.Now()), want)
			}
			if len(f.Cert.IPAddresses) > 0 || len(f.Cert.IssuingCertificateURL) > 0 {
				t.Errorf("fixture carries IPs %v or caIssuers %v", f.Cert.IPAddresses, f.Cert.IssuingCertificateURL)
			}
		})
	}
}

// TestFixtureRevoked: the revoked fixture is on the intermediate's CRL from
// birth, and its stapled answer, signed by the CA's responder, says revoked.
func TestFixtureRevoked(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	f, err := c.Fixture("revoked")
	if err != nil {
		t.Fatal(err)
	}
	crl, err := c.CRL(ca.CRLOptions{})
	if err != nil {
		t.Fatal(err)
	}
	list, err := x509.ParseRevocationList(crl.DER)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(list.RevokedCertificateEntries, func(e x509.RevocationListEntry) bool {
		return e.SerialNumber.Cmp(f.Cert.SerialNumber) == 0
	}) {
		t.Errorf("the CRL does not list the revoked fixture")
	}
	resp, err := ocsp.ParseResponseForCert(f.OCSP, f.Cert, c.Intermediate())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != ocsp.Revoked || resp.RevocationReason != ocsp.KeyCompromise {
		t.Errorf("stapled answer: status %d reason %d, want revoked, keyCompromise", resp.Status, resp.RevocationReason)
	}
}

// TestFixtureThrowawayAuthorities: the untrusted root is not this CA's, and
// the name-constrained intermediate is under this root, permits only
// .ok.bad.localca.test, may sign no further CA, and is recorded as a
// fixture.
func TestFixtureThrowawayAuthorities(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	u, err := c.Fixture("untrusted-root")
	if err != nil {
		t.Fatal(err)
	}
	if r := u.Chain[0]; !r.IsCA || r.CheckSignatureFrom(r) != nil || r.Equal(c.Root()) {
		t.Errorf("untrusted-root's issuer is not a self-signed throwaway root")
	}
	n, err := c.Fixture("name-constraints")
	if err != nil {
		t.Fatal(err)
	}
	inter := n.Chain[0]
	if inter.CheckSignatureFrom(c.Root()) != nil || !slices.Equal(inter.PermittedDNSDomains, []string{".ok.bad.localca.test"}) ||
		!inter.PermittedDNSDomainsCritical || inter.MaxPathLen != 0 || !inter.MaxPathLenZero {
		t.Errorf("name-constraints intermediate: constraints %v (critical %v), path length %d", inter.PermittedDNSDomains, inter.PermittedDNSDomainsCritical, inter.MaxPathLen)
	}
	rec, err := c.Store().Cert(inter.SerialNumber.Bytes())
	if err != nil || rec.Profile != policies.ProfileFixtures || rec.IssuerID != c.RootID() {
		t.Errorf("the intermediate's record: %+v, %v", rec, err)
	}
	if got := zlintFindings(t, inter); len(got) != 0 {
		t.Errorf("zlint on the name-constrained intermediate: %q", got)
	}
}

// TestFixtureSHA1ByKeyType: SHA-1 goes with the intermediate's key type;
// an Ed25519 CA has no SHA-1 form and says so.
func TestFixtureSHA1ByKeyType(t *testing.T) {
	tests := []struct {
		keyType string
		want    x509.SignatureAlgorithm
	}{
		{"ecdsa-p256", x509.ECDSAWithSHA1},
		{"rsa-2048", x509.SHA1WithRSA},
		{"ed25519", x509.UnknownSignatureAlgorithm},
	}
	for _, tt := range tests {
		t.Run(tt.keyType, func(t *testing.T) {
			f, err := newCA(t, tt.keyType).Fixture("sha1")
			if tt.want == x509.UnknownSignatureAlgorithm {
				if !errors.Is(err, ca.ErrFixtureUnavailable) {
					t.Fatalf("err = %v, want ErrFixtureUnavailable", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Cert.SignatureAlgorithm != tt.want {
				t.Errorf("signed with %v, want %v", f.Cert.SignatureAlgorithm, tt.want)
			}
		})
	}
}
