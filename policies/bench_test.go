package policies

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
)

// BenchmarkCheck is the policy's share of every issuance: the built-in
// default deciding a server certificate for one DNS name and a P-256 key.
func BenchmarkCheck(b *testing.B) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	p := Default()
	req := Request{CommonName: "api.localhost", DNSNames: []string{"api.localhost"}, PublicKey: &key.PublicKey}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Check(req); err != nil {
			b.Fatal(err)
		}
	}
}
