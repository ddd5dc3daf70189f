package policies_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/localca/localca/policies"
)

// TestJudge: `policy check`'s verdicts under the default policy: names
// sorted into their kinds, a refusal with every violation (and the
// refusal as the error), an unknown profile with no verdict.
func TestJudge(t *testing.T) {
	pol := policies.Default()
	tests := []struct {
		name     string
		names    []string
		profile  string
		wantErr  error
		wantJSON string // the JSON's start; "" for no verdict
		wantText string
	}{
		{"allowed", []string{"api.test", "10.0.0.5", "spiffe://localca.test/api"}, "peer", nil,
			`{"allowed":true,"decision":{"Profile":"peer"`, "allowed: profile peer, valid 1d\n  names: api.test, 10.0.0.5, spiffe://localca.test/api\n"},
		{"refused", []string{"example.com", "8.8.8.8"}, "server", policies.ErrRefused,
			`{"allowed":false,"violations":[{"Profile":"server","Rule":"dns.allow","Value":"example.com"`,
			"refused:\n  policy: name \"example.com\" is not allowed"},
		{"unknown profile", []string{"a.test"}, "nope", policies.ErrUnknownProfile, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := pol.Judge(policies.RequestForNames(tt.names, tt.profile))
			if !errors.Is(err, tt.wantErr) || err == nil && tt.wantErr != nil {
				t.Fatalf("Judge: %v, want %v", err, tt.wantErr)
			}
			if tt.wantJSON == "" {
				if v != nil {
					t.Fatalf("Judge's verdict %+v, want none", v)
				}
				return
			}
			raw, _ := json.Marshal(v)
			if !strings.HasPrefix(string(raw), tt.wantJSON) {
				t.Errorf("JSON %s\nwant it to start %s", raw, tt.wantJSON)
			}
			var b bytes.Buffer
			if err := v.WriteText(&b); err != nil || !strings.HasPrefix(b.String(), tt.wantText) {
				t.Errorf("text %q, %v\nwant it to start %q", b.String(), err, tt.wantText)
			}
		})
	}
}

// TestRequestForNames: each name lands in its kind, as AddName sorts it.
func TestRequestForNames(t *testing.T) {
	r := policies.RequestForNames([]string{"a.test", "10.0.0.1", "x@a.test", "spiffe://a.test/x"}, "client")
	if r.Profile != "client" || len(r.DNSNames) != 1 || len(r.IPAddresses) != 1 || len(r.EmailAddresses) != 1 || len(r.URIs) != 1 {
		t.Errorf("RequestForNames: %+v", r)
	}
}
