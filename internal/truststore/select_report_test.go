package truststore

import (
	"bytes"
	"errors"
	"testing"
)

func TestSelect(t *testing.T) {
	tests := []struct {
		names   []string
		want    []string
		wantErr error
	}{
		{names: nil, want: defaultNames()},
		{names: []string{"nss", " java"}, want: []string{"nss", "java"}},
		{names: []string{"nss", "firefox"}, wantErr: ErrUnknownStore},
		{names: []string{""}, wantErr: ErrUnknownStore},
	}
	for _, tt := range tests {
		stores, err := Select(t.TempDir(), nil, tt.names)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("Select(%q): error %v, want %v", tt.names, err, tt.wantErr)
			continue
		}
		var got []string
		for _, s := range stores {
			got = append(got, s.name())
		}
		if tt.wantErr == nil && !equal(got, tt.want) {
			t.Errorf("Select(%q) = %q, want %q", tt.names, got, tt.want)
		}
	}
}

func defaultNames() []string {
	_, def := Available("", nil)
	return def
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReportWriteText(t *testing.T) {
	r := Report{Root: "Dev Root", SHA256: "ab12", Stores: []Step{
		{Store: "system", Where: "/etc/ssl/certs/x.pem", State: "installed"},
		{Store: "nss", Where: "/home/u/.pki/nssdb", State: "removed", Detail: "certutil -D"},
		{Store: "java", State: "skipped", Detail: "keytool not found"},
		{Store: "nss", Where: "/tmp/db", State: "not trusted"},
	}}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `root     Dev Root, SHA-256 ab12
system   installed in /etc/ssl/certs/x.pem
nss      removed from /home/u/.pki/nssdb (certutil -D)
java     skipped: keytool not found
nss      not trusted: /tmp/db
`
	if b.String() != want {
		t.Errorf("WriteText:\n%s\nwant:\n%s", b.String(), want)
	}
}
