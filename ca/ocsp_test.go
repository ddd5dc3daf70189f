package ca_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/zmap/zlint/v3"
	"golang.org/x/crypto/ocsp"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// respond asks the responder about serial and parses the answer, checking
// its signature (and the delegation: the responder certificate must be
// signed by issuer and carry OCSPSigning).
func respond(t testing.TB, r *revCA, resp *ca.Responder, serial *big.Int, issuer *x509.Certificate, nonce []byte) (*ocsp.Response, []byte) {
	t.Helper()
	der, err := resp.Respond(r.st, ocspRequest(t, serial, issuer, nonce))
	if err != nil {
		t.Fatalf("Respond: %v", err)
	}
	parsed, err := ocsp.ParseResponse(der, issuer)
	if err != nil {
		t.Fatalf("OCSP response does not verify: %v", err)
	}
	if parsed.SerialNumber.Cmp(serial) != 0 {
		t.Errorf("answer about serial %x, asked %x", parsed.SerialNumber, serial)
	}
	return parsed, der
}

func TestOCSPStatuses(t *testing.T) {
	r := newRevCA(t)
	resp := ca.NewResponder(r.CA, ca.ResponderOptions{})
	good := r.sign(t, newKey(t, "ecdsa-p256"), 0, "good.test")
	revoked := r.sign(t, newKey(t, "ecdsa-p256"), 0, "revoked.test")
	quiet := r.sign(t, newKey(t, "ecdsa-p256"), 0, "quiet.test")
	if _, err := r.RevokeCert(revoked.Record.Serial, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := r.RevokeCert(quiet.Record.Serial, store.NoReason); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		serial *big.Int
		status int
		reason int
	}{
		{"good", good.Cert.SerialNumber, ocsp.Good, 0},
		{"revoked keyCompromise", revoked.Cert.SerialNumber, ocsp.Revoked, ocsp.KeyCompromise},
		{"revoked without reason", quiet.Cert.SerialNumber, ocsp.Revoked, ocsp.Unspecified},
		{"never issued", big.NewInt(0x1234), ocsp.Unknown, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := respond(t, r, resp, tt.serial, r.Intermediate(), nil)
			if got.Status != tt.status {
				t.Fatalf("status %d, want %d", got.Status, tt.status)
			}
			if !got.ThisUpdate.Equal(r.clock.Now()) || !got.NextUpdate.After(got.ThisUpdate) {
				t.Errorf("thisUpdate %s nextUpdate %s", got.ThisUpdate, got.NextUpdate)
			}
			lintOCSP(t, got)
			if tt.status == ocsp.Revoked {
				if got.RevocationReason != tt.reason || !got.RevokedAt.Equal(r.clock.Now()) {
					t.Errorf("revoked at %s reason %d, want %s reason %d", got.RevokedAt, got.RevocationReason, r.clock.Now(), tt.reason)
				}
			}
		})
	}
}

func TestOCSPNonce(t *testing.T) {
	r := newRevCA(t)
	resp := ca.NewResponder(r.CA, ca.ResponderOptions{})
	iss := r.sign(t, newKey(t, "ecdsa-p256"), 0, "a.test")
	nonce := bytes.Repeat([]byte{0x5a}, 16)
	_, der := respond(t, r, resp, iss.Cert.SerialNumber, r.Intermediate(), nonce)
	exts := responseExtensions(t, der)
	i := slices.IndexFunc(exts, func(e pkix.Extension) bool { return e.Id.Equal(oidNonce) })
	if i < 0 {
		t.Fatal("the response carries no nonce among its responseExtensions")
	}
	var echoed []byte
	if _, err := asn1.Unmarshal(exts[i].Value, &echoed); err != nil || !bytes.Equal(echoed, nonce) {
		t.Errorf("nonce echoed as %x (%v), want %x", echoed, err, nonce)
	}
	_, der = respond(t, r, resp, iss.Cert.SerialNumber, r.Intermediate(), nil)
	if len(responseExtensions(t, der)) != 0 {
		t.Error("a response to a request without nonce carries extensions")
	}
}

func TestOCSPRefusals(t *testing.T) {
	r := newRevCA(t)
	resp := ca.NewResponder(r.CA, ca.ResponderOptions{})
	other := newRevCA(t)
	tests := []struct {
		name string
		req  []byte
		want []byte
	}{
		{"garbage", []byte("not ocsp"), ocsp.MalformedRequestErrorResponse},
		{"empty", nil, ocsp.MalformedRequestErrorResponse},
		{"nonce over 128 octets", ocspRequest(t, big.NewInt(1), r.Intermediate(), make([]byte, 129)), ocsp.MalformedRequestErrorResponse},
		{"another CA's issuer", ocspRequest(t, big.NewInt(1), other.Intermediate(), nil), ocsp.UnauthorizedErrorResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resp.Respond(r.st, tt.req)
			if err == nil {
				t.Error("Respond reported no problem")
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("response %x, want %x", got, tt.want)
			}
		})
	}
}

// TestOCSPRootAnswersForIntermediate: the root signs, itself, the status
// of the intermediate.
func TestOCSPRootAnswersForIntermediate(t *testing.T) {
	r := newRevCA(t)
	resp := ca.NewResponder(r.CA, ca.ResponderOptions{})
	got, _ := respond(t, r, resp, r.Intermediate().SerialNumber, r.Root(), nil)
	if got.Status != ocsp.Good {
		t.Errorf("intermediate status %d, want good", got.Status)
	}
	if got.Certificate != nil {
		t.Error("the root's own answer carries a certificate")
	}
	got, _ = respond(t, r, resp, big.NewInt(77), r.Root(), nil)
	if got.Status != ocsp.Unknown {
		t.Errorf("unknown intermediate status %d, want unknown", got.Status)
	}
}

var oidOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}

func TestOCSPResponderCertificate(t *testing.T) {
	r := newRevCA(t)
	resp := ca.NewResponder(r.CA, ca.ResponderOptions{})
	cert, err := resp.Certificate(r.st)
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.CheckSignatureFrom(r.Intermediate()); err != nil {
		t.Errorf("responder certificate not signed by the intermediate: %v", err)
	}
	if !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}) {
		t.Errorf("EKU %v, want OCSPSigning alone", cert.ExtKeyUsage)
	}
	if cert.IsCA || cert.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("IsCA %v, key usage %v", cert.IsCA, cert.KeyUsage)
	}
	i := slices.IndexFunc(cert.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oidOCSPNoCheck) })
	if i < 0 || !bytes.Equal(cert.Extensions[i].Value, asn1.NullBytes) || cert.Extensions[i].Critical {
		t.Errorf("id-pkix-ocsp-nocheck missing or not a non-critical NULL")
	}
	if life := cert.NotAfter.Sub(cert.NotBefore); life > 25*time.Hour {
		t.Errorf("responder certificate lives %s; it should be short-lived", life)
	}
	rec, err := r.st.Cert(cert.SerialNumber.Bytes())
	if err != nil || rec.Profile != ca.ProfileOCSP {
		t.Errorf("responder certificate not recorded as %q: %v", ca.ProfileOCSP, err)
	}
	lintCert(t, "OCSP responder certificate", cert)
}

// TestOCSPResponderRenewal: the responder certificate is kept while more
// than a third of its life is left, then replaced on its own.
func TestOCSPResponderRenewal(t *testing.T) {
	r := newRevCA(t)
	resp := ca.NewResponder(r.CA, ca.ResponderOptions{CertValidity: 24 * time.Hour})
	iss := r.sign(t, newKey(t, "ecdsa-p256"), 0, "a.test")
	first, _ := respond(t, r, resp, iss.Cert.SerialNumber, r.Intermediate(), nil)
	r.clock.Advance(15 * time.Hour)
	same, _ := respond(t, r, resp, iss.Cert.SerialNumber, r.Intermediate(), nil)
	if !same.Certificate.Equal(first.Certificate) {
		t.Error("responder certificate replaced with more than a third of its life left")
	}
	r.clock.Advance(2 * time.Hour)
	renewed, _ := respond(t, r, resp, iss.Cert.SerialNumber, r.Intermediate(), nil)
	if renewed.Certificate.Equal(first.Certificate) {
		t.Fatal("responder certificate not renewed with under a third of its life left")
	}
	if !renewed.Certificate.NotAfter.After(first.Certificate.NotAfter) {
		t.Errorf("renewed certificate ends %s, before the old one (%s)", renewed.Certificate.NotAfter, first.Certificate.NotAfter)
	}
	if renewed.NextUpdate.After(renewed.Certificate.NotAfter) {
		t.Error("an answer outlives its responder certificate")
	}
}

// lintOCSP runs zlint's OCSP lints (private-CA registry) over a response.
func lintOCSP(t *testing.T, resp *ocsp.Response) {
	t.Helper()
	reg, err := privateCARegistry()
	if err != nil {
		t.Fatal(err)
	}
	expectClean(t, "OCSP response", zlint.LintOcspResponseEx(resp, reg))
}
