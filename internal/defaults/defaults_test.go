package defaults

import (
	"testing"
	"time"
)

func TestPositive(t *testing.T) {
	tests := []struct {
		name    string
		in, def time.Duration
		want    time.Duration
	}{
		{"zero takes the default", 0, time.Second, time.Second},
		{"negative takes the default", -1, time.Second, time.Second},
		{"positive stays", 5 * time.Millisecond, time.Second, 5 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.in
			Positive(&v, tt.def)
			if v != tt.want {
				t.Errorf("Positive(%v, %v) = %v, want %v", tt.in, tt.def, v, tt.want)
			}
		})
	}
	n := 0
	Positive(&n, 7)
	if n != 7 {
		t.Errorf("Positive on an int: %d, want 7", n)
	}
}
