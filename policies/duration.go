package policies

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a validity period as the policy file writes it: a whole number
// of days ("90d"), or anything time.ParseDuration reads ("24h", "36h30m").
// Days are the unit people think in for certificates, and Go durations have
// none, hence this type.
type Duration time.Duration

// String prints days when the duration is a whole number of days, hours
// when it is whole hours, and Go's form otherwise.
func (d Duration) String() string {
	td := time.Duration(d)
	switch {
	case td != 0 && td%Day == 0:
		return strconv.FormatInt(int64(td/Day), 10) + "d"
	case td != 0 && td%time.Hour == 0:
		return strconv.FormatInt(int64(td/time.Hour), 10) + "h"
	}
	return td.String()
}

// MarshalText writes String.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "90d" or a Go duration. A unit is required.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := ParseDuration(string(text))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// ParseDuration reads "90d" (days) or a Go duration ("24h"); the CLI uses it
// for --validity style flags too.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 0 || n > 100*366 {
			return 0, fmt.Errorf("duration %q: want a whole number of days like \"90d\"", s)
		}
		return time.Duration(n) * Day, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("duration %q: want days like \"90d\" or hours like \"24h\"", s)
	}
	if v < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	return v, nil
}
