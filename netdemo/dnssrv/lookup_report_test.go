package dnssrv

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestLookupReport: only the paths that ran are reported, values sorted in
// text, the error as its text in JSON, the zone-file records left out.
func TestLookupReport(t *testing.T) {
	res := LookupResult{
		System: Answer{Path: "system", Values: []string{"10.0.0.2", "10.0.0.1"}},
		Direct: Answer{Path: "direct", Rcode: "NOERROR", Authoritative: true, Records: []string{"a. 60 IN A 10.0.0.1"},
			Err: errors.New("timeout")},
	}
	tests := []struct {
		name string
		got  func() (string, error)
		want string
	}{
		{"text", func() (string, error) {
			var b strings.Builder
			err := res.WriteText(&b)
			return b.String(), err
		}, "system\n  10.0.0.1\n  10.0.0.2\ndirect\n  error: timeout\n  rcode NOERROR, authoritative true\n"},
		{"json", func() (string, error) {
			b, err := json.Marshal(res.Answers())
			return string(b), err
		}, `[{"path":"system","values":["10.0.0.2","10.0.0.1"]},{"path":"direct","values":null,"rcode":"NOERROR","authoritative":true,"error":"timeout"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.got()
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
}
