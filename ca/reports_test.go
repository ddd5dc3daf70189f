package ca_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// TestCommandReports: the reports of key create, csr create, revoke, token
// create, policy set, store seal and crl print the JSON the commands have
// always printed (a map's keys, sorted) and their lines for people, with
// what an outsider named escaped.
func TestCommandReports(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	csr := &x509.CertificateRequest{Subject: pkix.Name{CommonName: "api.test", Organization: []string{"Acme"}}}
	evil := &store.Cert{Serial: []byte{0x01, 0xab}, RevokedAt: at, Reason: 1, Names: []string{"a.test", "b\n.test"}}
	tests := []struct {
		name       string
		r          textReport
		json, text string
	}{
		{"key", ca.KeyRecord{Fingerprint: []byte{0xab, 0xcd}, Algorithm: "ecdsa", Size: 256}.Report("k.pem"),
			`{"algorithm":"ecdsa","file":"k.pem","fingerprint":"abcd","size":256}`, "key ecdsa 256, SHA-256 of SPKI abcd\n"},
		{"csr", ca.CSRReportOf(csr, []byte{0x12, 0x34}, ""),
			`{"file":"","id":"1234","subject":"CN=api.test,O=Acme"}`, "CSR 1234 recorded (subject CN=api.test,O=Acme)\n"},
		{"serial", ca.SerialRevocation{Revoked: ca.Revoked{Serial: "01AB", RevokedAt: at, Reason: "superseded"}, Asked: []byte{1, 0xab}},
			`{"serial":"01AB","revoked_at":"2030-01-02T03:04:05Z","reason":"superseded"}`, "revoked 01AB at 2030-01-02T03:04:05Z (superseded)\n"},
		{"serial, no reason", ca.SerialRevocation{Revoked: ca.Revoked{Serial: "01AB", RevokedAt: at}},
			`{"serial":"01AB","revoked_at":"2030-01-02T03:04:05Z"}`, "revoked 01AB at 2030-01-02T03:04:05Z\n"},
		{"intermediate", ca.SerialRevocation{Revoked: ca.Revoked{Serial: "01AB", RevokedAt: at}, Intermediate: "Inter\n", Asked: []byte{0, 1, 0xab}},
			`{"serial":"01AB","revoked_at":"2030-01-02T03:04:05Z"}`,
			"revoked the intermediate \"Inter\\n\" (0001ab) at 2030-01-02T03:04:05Z: the root's CRL (localca crl --root) lists it, and it signs nothing more; make a new CA with `localca init --force`\n"},
		{"key revoked, no certificates", ca.KeyRevocationOf(nil),
			`{"certificates":[],"key_revoked":true}`, "key marked compromised; 0 certificate(s) revoked with keyCompromise\n"},
		{"key revoked", ca.KeyRevocationOf([]*store.Cert{evil}),
			`{"certificates":[{"serial":"01AB","revoked_at":"2030-01-02T03:04:05Z","reason":"keyCompromise","names":["a.test","b\n.test"]}],"key_revoked":true}`,
			"key marked compromised; 1 certificate(s) revoked with keyCompromise\n  01AB a.test, b\\n.test\n"},
		{"csr rejected", ca.CSRRejection{CSR: "1234"}, `{"csr_rejected":"1234"}`, "CSR 1234 rejected: it will never be signed\n"},
		{"token", ca.TokenReportOf("lca_x", &store.Token{Name: "ci", For: ca.TokenSign, Allow: []string{"a.test", "*.b.test"}, Expires: at}),
			`{"allow":["a.test","*.b.test"],"expires":"2030-01-02T03:04:05Z","for":"sign","name":"ci","token":"lca_x"}`, "lca_x\n"},
		{"policy", (&ca.StoredPolicy{Version: 2, SHA256: "ff", SetAt: at, Text: "secret"}).Report(),
			`{"set_at":"2030-01-02T03:04:05Z","sha256":"ff","version":2}`, "policy version 2 (sha256 ff) is the store's: every node of this store enforces it\n"},
		{"seal", ca.SealReport{Sealed: 3}, `{"sealed":3}`, "sealed 3 secrets; the store seals every secret written to it from now on\n"},
		{"crls", ca.CRLSummary{{Number: 7, Entries: 2, NextUpdate: at, ThisUpdate: at}, {Number: 1, NextUpdate: at, ThisUpdate: at}},
			`[{"entries":2,"next_update":"2030-01-02T03:04:05Z","number":7,"this_update":"2030-01-02T03:04:05Z"},{"entries":0,"next_update":"2030-01-02T03:04:05Z","number":1,"this_update":"2030-01-02T03:04:05Z"}]`,
			"CRL number 7, 2 revoked certificate(s), next update 2030-01-02T03:04:05Z\nCRL number 1, 0 revoked certificate(s), next update 2030-01-02T03:04:05Z\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := json.Marshal(tt.r)
			if err != nil || string(raw) != tt.json {
				t.Errorf("JSON %s, %v\nwant %s", raw, err, tt.json)
			}
			if text := textOf(t, tt.r); text != tt.text {
				t.Errorf("text %q\nwant %q", text, tt.text)
			}
		})
	}
}

// TestTokenReportNote: the note says what the token is for, never the
// token.
func TestTokenReportNote(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		tok  store.Token
		want string
	}{
		{store.Token{Name: "ci", For: ca.TokenSign, Allow: []string{"a.test"}, Expires: at},
			"token \"ci\" for sign a.test, single use, expires 2030-01-02T03:04:05Z; it is not shown again\n"},
		{store.Token{Name: "dash\n", For: ca.TokenRead, Expires: at},
			"token \"dash\\n\" for read , reusable, expires 2030-01-02T03:04:05Z; it is not shown again\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := ca.TokenReportOf("lca_secret", &tt.tok).WriteNote(&b); err != nil || b.String() != tt.want {
			t.Errorf("note %q, %v; want %q", b.String(), err, tt.want)
		}
	}
}
