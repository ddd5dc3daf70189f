package issuebench

import (
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
