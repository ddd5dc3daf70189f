package ca_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

func TestParseReason(t *testing.T) {
	tests := []struct {
		in   string
		want int
		err  bool
	}{
		{"", store.NoReason, false},
		{"keyCompromise", 1, false},
		{"KEYCOMPROMISE", 1, false},
		{"superseded", 4, false},
		{"cessationOfOperation", 5, false},
		{"affiliationChanged", 3, false},
		{"unspecified", 0, false},
		{"certificateHold", 0, true}, // a hold is not a revocation
		{"removeFromCRL", 0, true},
		{"compromised", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ca.ParseReason(tt.in)
			if tt.err {
				if !errors.Is(err, ca.ErrBadReason) {
					t.Fatalf("ParseReason(%q) = %d, %v; want ErrBadReason", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseReason(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
			if tt.in != "" && !strings.EqualFold(ca.ReasonName(got), tt.in) {
				t.Errorf("ReasonName(%d) = %q, want %q", got, ca.ReasonName(got), tt.in)
			}
		})
	}
}

func TestParseSerial(t *testing.T) {
	tests := []struct {
		in   string
		want []byte
	}{
		{"3af2", []byte{0x3a, 0xf2}},
		{"3A:F2", []byte{0x3a, 0xf2}},
		{"0x3af2", []byte{0x3a, 0xf2}},
		{"00ab", []byte{0xab}}, // as big.Int.Bytes stores it
		{"abc", []byte{0x0a, 0xbc}},
		{"zz", nil},
		{"", nil},
		{strings.Repeat("ab", 21), nil}, // over RFC 5280's 20 octets
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ca.ParseSerial(tt.in)
			if tt.want == nil {
				if !errors.Is(err, ca.ErrBadSerial) {
					t.Fatalf("ParseSerial(%q) = %x, %v; want ErrBadSerial", tt.in, got, err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Fatalf("ParseSerial(%q) = %x, %v; want %x", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestRevokeCert(t *testing.T) {
	r := newRevCA(t)
	iss := r.sign(t, newKey(t, "ecdsa-p256"), 0, "a.test")
	serial := iss.Record.Serial

	if _, err := r.RevokeCert([]byte{0x01, 0x02}, store.NoReason); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoking an unknown serial: %v, want ErrNotFound", err)
	}
	if _, err := r.RevokeCert(serial, 6); !errors.Is(err, ca.ErrBadReason) {
		t.Errorf("revoking with certificateHold: %v, want ErrBadReason", err)
	}
	if got, _ := r.st.Cert(serial); got.Status != store.CertValid {
		t.Fatalf("refused revocations changed the record: %+v", got)
	}
	rec, err := r.RevokeCert(serial, 4)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != store.CertRevoked || rec.Reason != 4 || !rec.RevokedAt.Equal(r.clock.Now()) {
		t.Errorf("revoked record %+v, want revoked, superseded, at %s", rec, r.clock.Now())
	}
	// Committed: a fresh read says so.
	if got, _ := r.st.Cert(serial); got.Status != store.CertRevoked {
		t.Errorf("store says %q after RevokeCert returned", got.Status)
	}
	r.clock.Advance(1)
	if _, err := r.RevokeCert(serial, 1); !errors.Is(err, store.ErrAlreadyRevoked) {
		t.Errorf("second revocation: %v, want ErrAlreadyRevoked", err)
	}
	if got, _ := r.st.Cert(serial); got.Reason != 4 {
		t.Errorf("second revocation changed the reason to %d", got.Reason)
	}
}

func TestRevokeKey(t *testing.T) {
	r := newRevCA(t)
	key := newKey(t, "ecdsa-p256")
	a := r.sign(t, key, 0, "a.test")
	b := r.sign(t, key, 0, "b.test")
	other := r.sign(t, newKey(t, "ecdsa-p256"), 0, "c.test")

	keyPEM, err := ca.EncodeKey(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ca.PublicKeyOf(keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	revoked, err := r.RevokeKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if len(revoked) != 2 {
		t.Fatalf("RevokeKey revoked %d certificates, want 2", len(revoked))
	}
	for _, iss := range []*ca.Issued{a, b} {
		rec, _ := r.st.Cert(iss.Record.Serial)
		if rec.Status != store.CertRevoked || rec.Reason != 1 {
			t.Errorf("%v: status %q reason %d, want revoked keyCompromise", iss.Cert.DNSNames, rec.Status, rec.Reason)
		}
	}
	if rec, _ := r.st.Cert(other.Record.Serial); rec.Status != store.CertValid {
		t.Errorf("a certificate of another key was revoked")
	}

	// Any later CSR or issuance for the key is refused, saying why.
	_, err = r.Sign(csrPEM(t, key, &x509.CertificateRequest{DNSNames: []string{"d.test"}}), ca.SignOptions{})
	if !errors.Is(err, store.ErrKeyRevoked) || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("signing for a revoked key: %v, want ErrKeyRevoked", err)
	}
	csr, _ := x509.ParseCertificateRequest(pemBytes(t, csrPEM(t, key, &x509.CertificateRequest{DNSNames: []string{"e.test"}})))
	if _, err := r.RecordCSR(csr); !errors.Is(err, store.ErrKeyRevoked) {
		t.Errorf("recording a CSR for a revoked key: %v, want ErrKeyRevoked", err)
	}
	if _, err := r.RevokeKey(pub); !errors.Is(err, store.ErrAlreadyRevoked) {
		t.Errorf("revoking the key twice: %v, want ErrAlreadyRevoked", err)
	}

	// A key the CA never saw is recorded compromised, never certified later.
	fresh := newKey(t, "ed25519")
	if _, err := r.RevokeKey(fresh.Public()); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Sign(csrPEM(t, fresh, &x509.CertificateRequest{DNSNames: []string{"f.test"}}), ca.SignOptions{}); !errors.Is(err, store.ErrKeyRevoked) {
		t.Errorf("signing for a key revoked before it was seen: %v", err)
	}
}

func TestRevokeKeyFingerprint(t *testing.T) {
	r := newRevCA(t)
	key := newKey(t, "ecdsa-p256")
	iss := r.sign(t, key, 0, "a.test")
	unknown := bytes.Repeat([]byte{0xaa}, 32)
	if _, err := r.RevokeKeyFingerprint(unknown); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown fingerprint: %v, want ErrNotFound", err)
	}
	if _, err := r.st.Key(unknown); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown fingerprint was recorded")
	}
	fp, _ := ca.Fingerprint(key.Public())
	certs, err := r.RevokeKeyFingerprint(fp)
	if err != nil || len(certs) != 1 || !bytes.Equal(certs[0].Serial, iss.Record.Serial) {
		t.Fatalf("RevokeKeyFingerprint = %v, %v; want the one certificate", certs, err)
	}
}

func TestRejectCSR(t *testing.T) {
	r := newRevCA(t)
	key := newKey(t, "ecdsa-p256")
	csr := csrPEM(t, key, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "a.test"}, DNSNames: []string{"a.test"}})
	id, err := r.RejectCSR(csr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Sign(csr, ca.SignOptions{}); !errors.Is(err, store.ErrCSRRejected) {
		t.Errorf("signing a rejected CSR: %v, want ErrCSRRejected", err)
	}
	if _, err := r.RejectCSR(csr); !errors.Is(err, store.ErrAlreadyRevoked) {
		t.Errorf("rejecting twice: %v, want ErrAlreadyRevoked", err)
	}
	if err := r.RejectCSRID(id); !errors.Is(err, store.ErrAlreadyRevoked) {
		t.Errorf("rejecting by id after by file: %v, want ErrAlreadyRevoked", err)
	}
	if err := r.RejectCSRID(bytes.Repeat([]byte{1}, 32)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rejecting an unknown id: %v, want ErrNotFound", err)
	}
	// The key itself stays good: another CSR for it may be signed.
	r.sign(t, key, 0, "b.test")

	// By id, for a CSR recorded earlier.
	csr2 := csrPEM(t, key, &x509.CertificateRequest{DNSNames: []string{"c.test"}})
	parsed, _ := ca.ParseCSR(csr2)
	id2, err := r.RecordCSR(parsed)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.RejectCSRID(id2); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Sign(csr2, ca.SignOptions{}); !errors.Is(err, store.ErrCSRRejected) {
		t.Errorf("signing a CSR rejected by id: %v", err)
	}
}

func TestPublicKeyOf(t *testing.T) {
	r := newRevCA(t)
	key := newKey(t, "rsa-2048")
	iss := r.sign(t, key, 0, "a.test")
	want, _ := ca.Fingerprint(key.Public())
	keyPEM, _ := ca.EncodeKey(key, nil)
	pubDER, _ := x509.MarshalPKIXPublicKey(key.Public())
	csr := csrPEM(t, key, &x509.CertificateRequest{DNSNames: []string{"a.test"}})
	encrypted, _ := ca.EncodeKey(key, []byte("secret"))
	tests := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"private key PEM", keyPEM, true},
		{"public key PEM", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), true},
		{"public key DER", pubDER, true},
		{"certificate PEM", certPEM(iss.Cert), true},
		{"certificate DER", iss.Cert.Raw, true},
		{"CSR PEM", csr, true},
		{"CSR DER", pemBytes(t, csr), true},
		{"encrypted key", encrypted, false},
		{"garbage", []byte("hello"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub, err := ca.PublicKeyOf(tt.data)
			if !tt.ok {
				if err == nil {
					t.Fatalf("PublicKeyOf accepted %s", tt.name)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := ca.Fingerprint(pub); !bytes.Equal(got, want) {
				t.Errorf("fingerprint %x, want %x", got, want)
			}
		})
	}
}

func pemBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatal("no PEM block")
	}
	return b.Bytes
}
