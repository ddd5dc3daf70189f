package ca_test

import (
	"testing"

	"github.com/localca/localca/ca"
)

// FuzzParseSubject: the -subj parser must never panic on any string.
func FuzzParseSubject(f *testing.F) {
	for _, s := range []string{"/CN=a.test/O=Acme", `/CN=a\/b`, "/", "CN=x", "/CN=", `/O=\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ca.ParseSubject(s)
	})
}
