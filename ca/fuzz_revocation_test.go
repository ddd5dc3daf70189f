package ca_test

import (
	"bytes"
	"math/big"
	"testing"

	"golang.org/x/crypto/ocsp"

	"github.com/localca/localca/ca"
)

// FuzzOCSPRespond feeds the responder what any client on the network may
// send: it must always answer with a response (never panic), and a
// successful answer must verify against the intermediate.
func FuzzOCSPRespond(f *testing.F) {
	r := newRevCA(f)
	resp := ca.NewResponder(r.CA, ca.ResponderOptions{})
	f.Add(ocspRequest(f, big.NewInt(1), r.Intermediate(), nil))
	f.Add(ocspRequest(f, big.NewInt(1), r.Intermediate(), []byte("0123456789abcdef")))
	f.Add(ocspRequest(f, big.NewInt(1), r.Root(), nil))
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, raw []byte) {
		der, err := resp.Respond(r.st, raw)
		if len(der) == 0 {
			t.Fatalf("no response (err %v)", err)
		}
		if err != nil {
			return
		}
		parsed, perr := ocsp.ParseResponse(der, nil)
		if perr != nil {
			t.Fatalf("a successful answer does not parse: %v", perr)
		}
		if parsed.Certificate != nil {
			if _, perr := ocsp.ParseResponse(der, r.Intermediate()); perr != nil {
				t.Fatalf("a delegated answer does not verify: %v", perr)
			}
		}
	})
}

// FuzzPublicKeyOf: any file a user points `revoke --key` at.
func FuzzPublicKeyOf(f *testing.F) {
	key := newKey(f, "ecdsa-p256")
	pemKey, _ := ca.EncodeKey(key, nil)
	f.Add(pemKey)
	f.Add([]byte("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"))
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		pub, err := ca.PublicKeyOf(data)
		if err == nil {
			if _, err := ca.Fingerprint(pub); err != nil {
				t.Fatalf("PublicKeyOf returned a key without a fingerprint: %v", err)
			}
		}
	})
}

// FuzzParseSerial: serials typed by users and sent to /revoke.
func FuzzParseSerial(f *testing.F) {
	for _, s := range []string{"3af2", "0x3A:F2", "00", "", "zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ca.ParseSerial(s)
		if err != nil {
			return
		}
		if len(b) == 0 || len(b) > 20 || (len(b) > 1 && b[0] == 0) {
			t.Fatalf("ParseSerial(%q) = %x", s, b)
		}
		again, err := ca.ParseSerial(new(big.Int).SetBytes(b).Text(16))
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("round trip of %x: %x, %v", b, again, err)
		}
	})
}
