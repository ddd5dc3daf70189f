package issuebench

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

func TestParseCallers(t *testing.T) {
	tests := []struct {
		in   string
		want []int
		err  bool
	}{
		{"1,64", []int{1, 64}, false},
		{" 8 , 1024", []int{8, 1024}, false},
		{"0", nil, true},
		{"1025", nil, true},
		{"1,x", nil, true},
		{"", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseCallers(tt.in)
		if tt.err != errors.Is(err, ErrCallersList) || !slices.Equal(got, tt.want) {
			t.Errorf("ParseCallers(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseKeyTypes(t *testing.T) {
	got, err := ParseKeyTypes("ecdsa-p256, ed25519")
	if err != nil || !slices.Equal(got, []string{"ecdsa-p256", "ed25519"}) {
		t.Errorf("ParseKeyTypes = %q, %v", got, err)
	}
	if _, err := ParseKeyTypes("ecdsa-p256,dsa"); err == nil {
		t.Error("ParseKeyTypes accepted dsa")
	}
}

// TestWriteTable: a right-aligned row per measured row under the heading.
func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	rows := []Row{{KeyType: "ed25519", Callers: 64, Durable: 1234.4, NoSync: 2345.6, Ratio: 0.526, RatioMin: 0.5, RatioMax: 0.61, Pairs: 21}}
	if err := WriteTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	want := "  key type  callers  durable/s  without fsync/s   ratio (min-max)  pairs\n" +
		"   ed25519       64       1234             2346  0.53 (0.50-0.61)     21\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}
