package ca_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/localca/localca/ca"
)

// TestPasswordSource: the flag's file first, then the environment's, and
// without either and without a terminal a clear ErrPasswordRequired.
func TestPasswordSource(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "LOCALCA_PASSWORD_FILE" {
				return v
			}
			return ""
		}
	}
	dir := t.TempDir()
	flagFile := writeFile(t, dir, "flag.txt", []byte("from-flag\nsecond line\n"))
	envFile := writeFile(t, dir, "env.txt", []byte("from-env\r\n"))
	tests := []struct {
		name    string
		src     ca.PasswordSource
		want    string
		wantErr error
	}{
		{"flag wins", ca.PasswordSource{File: flagFile, Getenv: env(envFile)}, "from-flag", nil},
		{"environment", ca.PasswordSource{Getenv: env(envFile)}, "from-env", nil},
		{"no terminal", ca.PasswordSource{Getenv: env(""), In: strings.NewReader("typed\n")}, "", ca.ErrPasswordRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pw, err := tt.src.Read("CA key password", false)
			if !errors.Is(err, tt.wantErr) || string(pw) != tt.want {
				t.Fatalf("got %q, %v; want %q, %v", pw, err, tt.want, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "CA key password (give --password-file") {
				t.Errorf("error %q does not say what is needed and how to give it", err)
			}
		})
	}
}
