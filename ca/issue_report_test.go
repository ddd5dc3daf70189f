package ca_test

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/ca"
)

// textReport is what the reports have in common: a JSON form for scripts
// and a text for people.
type textReport interface{ WriteText(io.Writer) error }

// TestReports: each report's JSON has the keys the command line has always
// printed, in that order, and its text the lines people read.
func TestReports(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	iss, err := c.Issue(ca.IssueRequest{Names: []string{"web.test", "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Renew(ca.RenewRequest{Serial: iss.Cert.SerialNumber.Bytes(), RevokeOld: true})
	if err != nil {
		t.Fatal(err)
	}
	fx, err := c.Fixture(ca.CaseExpired)
	if err != nil {
		t.Fatal(err)
	}
	files := ca.Files{Cert: "out dir/web.test.pem", Key: "out dir/web.test-key.pem", P12Password: "secret"}
	p12 := files
	p12.P12 = "web.test.p12"
	serial, newSerial := ca.FormatSerial(iss.Cert.SerialNumber.Bytes()), ca.FormatSerial(r.Cert.SerialNumber.Bytes())
	tests := []struct {
		name  string
		r     textReport
		keys  string // the JSON's keys, in order
		files string // the JSON of files
		text  []string
	}{
		{"issue", iss.Report(files), "files names not_after profile serial", `{"cert":"out dir/web.test.pem","key":"out dir/web.test-key.pem"}`,
			[]string{"Issued server for web.test, 127.0.0.1 (ecdsa 256, serial " + serial + ", valid until ", "  certificate: 'out dir/web.test.pem'\n  key:         'out dir/web.test-key.pem'\n"}},
		{"issue p12", iss.Report(p12), "files names not_after profile serial", `{"cert":"out dir/web.test.pem","key":"out dir/web.test-key.pem","p12":"web.test.p12"}`,
			[]string{"  pkcs12:      web.test.p12\n"}},
		{"renew", r.Report(files, false), "files key_reused names not_after old_revoked old_serial profile serial", `{"cert":"out dir/web.test.pem","key":"out dir/web.test-key.pem"}`,
			[]string{"Renewed " + serial + " as " + newSerial + " for web.test, 127.0.0.1 (ecdsa 256, valid until ", "  revoked " + serial + " (superseded)\n"}},
		{"fixture", fx.Report(ca.Files{Cert: "expired.pem", Key: "expired-key.pem"}), "case defect files profile serial", `{"cert":"expired.pem","key":"expired-key.pem"}`,
			[]string{"Issued fixture " + ca.FixtureName(ca.CaseExpired) + " (", "  certificate: expired.pem\n  key:         expired-key.pem\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := json.Marshal(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(jsonKeys(t, raw), " "); got != tt.keys {
				t.Errorf("JSON keys %q, want %q", got, tt.keys)
			}
			var m map[string]json.RawMessage
			json.Unmarshal(raw, &m)
			if string(m["files"]) != tt.files {
				t.Errorf("files %s, want %s", m["files"], tt.files)
			}
			if strings.Contains(string(raw), "secret") {
				t.Errorf("the JSON carries the p12 password: %s", raw)
			}
			text := textOf(t, tt.r)
			for _, want := range tt.text {
				if !strings.Contains(text, want) {
					t.Errorf("text\n%s\nwants %q", text, want)
				}
			}
		})
	}
}

// TestCAInfo: ca info's JSON keeps its keys, and its text both certificates
// under their headings.
func TestCAInfo(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	info := c.Info("/x/localca.db", time.Now())
	raw, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(jsonKeys(t, raw), " "); got != "intermediate keys root store" {
		t.Errorf("JSON keys %q", got)
	}
	text := textOf(t, info)
	want := regexp.MustCompile(`(?s)^Store:           /x/localca.db\nCA keys:         NOT encrypted \(--no-password\)\n\nRoot\nSerial: .*Status:\s+active\n\nIntermediate\nSerial: .*Status:\s+active\n$`)
	if !want.MatchString(text) {
		t.Errorf("text:\n%s", text)
	}
}

// TestCertInfoText: every value is escaped, empty rows are left out, and
// the status says what revoked it and when.
func TestCertInfoText(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name     string
		in       ca.CertInfo
		want     []string
		dontWant []string
	}{
		{"escaped subject", ca.CertInfo{Subject: "CN=evil\n\x1b[2J", InStore: true, Status: "valid"},
			[]string{`Subject:         "CN=evil\n\x1b[2J"`, "Status:          valid\n"}, []string{"Names:", "CA:", "Profile:"}},
		{"revoked", ca.CertInfo{InStore: true, Status: "revoked", RevokedAt: at, RevokedReason: "keyCompromise", IsCA: true},
			[]string{"Status:          revoked at 2030-01-02T03:04:05Z (keyCompromise)\n", "CA:              yes\n"}, nil},
		{"not in store", ca.CertInfo{Status: "expired", NameConstraints: []string{"permit DNS .test", "permit IP 10.0.0.0/8"}},
			[]string{"Status:          expired (not in this store)\n", "Constraint:      permit DNS .test\nConstraint:      permit IP 10.0.0.0/8\n"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := textOf(t, tt.in)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("text\n%s\nwants %q", text, w)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(text, w) {
					t.Errorf("text\n%s\nhas %q", text, w)
				}
			}
		})
	}
}

// TestWriteCertTable: a row per record under the heading, names escaped.
func TestWriteCertTable(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	iss, err := c.Issue(ca.IssueRequest{Names: []string{"a.test", "b.test"}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := ca.WriteCertTable(&b, []*ca.CertRecord{iss.Record}, time.Now()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "SERIAL") {
		t.Fatalf("table:\n%s", b.String())
	}
	if f := strings.Fields(lines[1]); len(f) != 6 || f[0] != iss.Record.SerialHex() || f[1] != "valid" || f[2] != "server" || f[5] != "a.test,b.test" {
		t.Errorf("row %q", lines[1])
	}
}

// textOf is r's text.
func textOf(t *testing.T, r textReport) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// jsonKeys lists an object's keys in the order they are written.
func jsonKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}
