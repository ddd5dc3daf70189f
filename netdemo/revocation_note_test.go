package netdemo

import (
	"errors"
	"testing"
)

// TestStartNote: a side says when it checks no revocation, and when its
// first CRL fetch failed how it treats peers meanwhile; nothing when the
// check runs.
func TestStartNote(t *testing.T) {
	fetchErr := errors.New("connection refused")
	tests := []struct {
		name     string
		chk      *CRLChecker
		err      error
		failOpen bool
		want     string
	}{
		{"running", &CRLChecker{}, nil, false, ""},
		{"no source", nil, nil, false, "checks no revocation of peers: --ca is not this CA's root; give --crl URL|FILE (e.g. http://127.0.0.1:8080/crl)"},
		{"first fetch failed", &CRLChecker{}, fetchErr, false, "first CRL fetch failed (connection refused); refusing peers until a CRL arrives"},
		{"first fetch failed, fail open", &CRLChecker{}, fetchErr, true, "first CRL fetch failed (connection refused); failing open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (RevocationOptions{FailOpen: tt.failOpen}).StartNote(tt.chk, tt.err); got != tt.want {
				t.Errorf("StartNote = %q, want %q", got, tt.want)
			}
		})
	}
}
