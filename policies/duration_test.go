package policies

import (
	"testing"
	"time"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration // -1 means an error
		out  string
	}{
		{"90d", 90 * Day, "90d"},
		{"24h", Day, "1d"},
		{"36h", 36 * time.Hour, "36h"},
		{"90m", 90 * time.Minute, "1h30m0s"},
		{" 7d ", 7 * Day, "7d"},
		{"0d", 0, "0s"},
		{"1.5d", -1, ""},
		{"-1d", -1, ""},
		{"-1h", -1, ""},
		{"d", -1, ""},
		{"90", -1, ""},
		{"ninety days", -1, ""},
		{"99999999d", -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.want < 0 {
				if err == nil {
					t.Fatalf("ParseDuration(%q) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if s := Duration(got).String(); s != tt.out {
				t.Fatalf("String() = %q, want %q", s, tt.out)
			}
			back, err := ParseDuration(Duration(got).String())
			if err != nil || back != got {
				t.Fatalf("String() %q does not parse back: %v, %v", Duration(got).String(), back, err)
			}
		})
	}
}
