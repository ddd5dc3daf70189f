package ca_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/localca/localca/ca"
)

// TestDNSKeyList: KeyList shows every limited key with its limits and no
// secret; TypesOrAny says "any" for a key without a type limit.
func TestDNSKeyList(t *testing.T) {
	z := dnsZoneAt(storePath(t))
	tests := []struct {
		name      string
		types     []string
		wantTypes []string
	}{
		{"acme", []string{"TXT"}, []string{"TXT"}},
		{"any", nil, []string{"any"}},
	}
	for _, tt := range tests {
		if _, err := z.CreateKey(tt.name, []string{"app.localca.test"}, tt.types); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := z.KeyList()
	if err != nil || len(keys) != len(tests) {
		t.Fatalf("KeyList() = %d keys, %v; want %d", len(keys), err, len(tests))
	}
	for i, tt := range tests {
		k := keys[i]
		if k.Secret != "" {
			t.Errorf("key %s listed with its secret", k.Name)
		}
		if !slices.Equal(k.Allow, []string{"app.localca.test"}) || !slices.Equal(k.TypesOrAny(), tt.wantTypes) {
			t.Errorf("key %s: allow %q, types %q; want app.localca.test and %q", k.Name, k.Allow, k.TypesOrAny(), tt.wantTypes)
		}
	}
}

// TestDNSRecordsList: `dns list` reads [] from an empty store (its JSON is
// an array, never null) and prints a record per line.
func TestDNSRecordsList(t *testing.T) {
	z := dnsZoneAt(storePath(t))
	a := "web.localca.test.\t60\tIN\tA\t127.0.0.1"
	tests := []struct {
		name     string
		add      []string
		wantText string
	}{
		{"empty", nil, ""},
		{"one", []string{a}, a + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := z.Apply(tt.add, nil); err != nil {
				t.Fatal(err)
			}
			recs, err := z.Records()
			if err != nil || recs == nil {
				t.Fatalf("Records: %#v, %v; want a non-nil list", recs, err)
			}
			var b strings.Builder
			if err := ca.WriteDNSRecords(&b, recs); err != nil || b.String() != tt.wantText {
				t.Errorf("WriteDNSRecords: %q, %v; want %q", b.String(), err, tt.wantText)
			}
		})
	}
}
