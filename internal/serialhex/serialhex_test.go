package serialhex

import (
	"math/big"
	"testing"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		in   []byte
		want string
	}{
		{nil, "00"},
		{[]byte{0}, "00"},
		{[]byte{0x01, 0xa2}, "01A2"},
		{[]byte{0x00, 0x0f}, "0F"},
		{[]byte{0xff, 0x10}, "FF10"},
	}
	for _, tt := range tests {
		if got := Format(tt.in); got != tt.want {
			t.Errorf("Format(%x) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if got := FormatInt(big.NewInt(-0x1a2)); got != "-01A2" {
		t.Errorf("FormatInt(-0x1a2) = %s, want -01A2", got)
	}
}
