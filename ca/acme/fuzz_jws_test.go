package acme

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// FuzzParseJWS feeds the JWS path of every request (parseJWS, then the
// key checks and go-jose's verification with the embedded key) arbitrary
// bodies: it must never panic, and whatever it refuses it refuses with a
// problem document.
func FuzzParseJWS(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, &jose.SignerOptions{EmbedJWK: true,
		ExtraHeaders: map[jose.HeaderKey]any{"url": "https://127.0.0.1/acme/new-account", "nonce": "n"}})
	if err != nil {
		f.Fatal(err)
	}
	jws, err := signer.Sign([]byte(`{"termsOfServiceAgreed":true}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(jws.FullSerialize()))
	f.Add([]byte(`{"protected":"eyJhbGciOiJub25lIn0","payload":"","signature":""}`))
	f.Add([]byte(`{"protected":"eyJhbGciOiJIUzI1NiJ9","payload":"e30","signature":"AAAA"}`))
	f.Add([]byte(`{"signatures":[],"payload":""}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseJWS(body, outerAlgs)
		if err != nil {
			var pr *Problem
			if !errors.As(err, &pr) {
				t.Fatalf("parseJWS refused with %T %v, not a problem", err, err)
			}
			return
		}
		if k := p.header.JSONWebKey; k != nil && checkAccountKey(k) == nil {
			p.jws.Verify(k)
			thumbprint(k)
		}
		_ = p.url()
	})
}
