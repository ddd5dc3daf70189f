package ca_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/localca/localca/ca"
)

// TestFixturesSet: Fixtures makes every case this CA can, in FixtureCases
// order, and names each one it leaves out; DERChain is the leaf, then Chain.
func TestFixturesSet(t *testing.T) {
	tests := []struct {
		keyType string
		skipped []string
	}{
		{"ecdsa-p256", nil},
		{"ed25519", []string{ca.CaseSHA1}}, // no SHA-1 form of Ed25519
	}
	for _, tt := range tests {
		t.Run(tt.keyType, func(t *testing.T) {
			var skipped []string
			fixtures, err := newCA(t, tt.keyType).Fixtures(func(name string, _ error) { skipped = append(skipped, name) })
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(skipped, tt.skipped) {
				t.Errorf("skipped %q, want %q", skipped, tt.skipped)
			}
			if got, want := len(fixtures)+len(skipped), len(ca.FixtureCases()); got != want {
				t.Fatalf("%d fixtures and %d skipped, want %d cases", len(fixtures), len(skipped), want)
			}
			for i, f := range fixtures {
				der := f.DERChain()
				if len(der) != 1+len(f.Chain) || !bytes.Equal(der[0], f.Cert.Raw) {
					t.Fatalf("fixture %d (%s): DERChain has %d certificates, want the leaf then %d", i, f.Case.Name, len(der), len(f.Chain))
				}
				for j, c := range f.Chain {
					if !bytes.Equal(der[j+1], c.Raw) {
						t.Errorf("fixture %s: DERChain[%d] is not Chain[%d]", f.Case.Name, j+1, j)
					}
				}
			}
		})
	}
}
