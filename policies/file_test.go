package policies

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseExample(t *testing.T) {
	p, err := Load(filepath.Join("testdata", "example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Profiles.Peer.Validity.Default.String() != "1d" || p.Profiles.Server.IP.Deny[0] != "10.99.0.0/16" {
		t.Fatalf("parsed %+v", p.Profiles.Peer)
	}
	for _, c := range []struct {
		req  Request
		deny bool
	}{
		{Request{DNSNames: []string{"api.dev.test"}}, false},
		{Request{DNSNames: []string{"db.prod.internal"}}, true},
		{Request{DNSNames: []string{"*.prod.internal"}}, true},
		{Request{Profile: ProfilePeer, URIs: []*url.URL{mustURL(t, "spiffe://localca.test/ns/dev/sa/admin")}}, true},
		{Request{Profile: ProfilePeer, URIs: []*url.URL{mustURL(t, "spiffe://localca.test/ns/dev/sa/web")}}, false},
		{Request{Profile: ProfileClient, EmailAddresses: []string{"root@localhost"}}, true},
		{Request{Profile: ProfileClient, EmailAddresses: []string{"admin@corp.internal"}}, false},
	} {
		_, err := p.Check(c.req)
		if (err != nil) != c.deny {
			t.Errorf("Check(%+v) = %v, want refused %v", c.req, err, c.deny)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	example, err := Load(filepath.Join("testdata", "example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	noPeer := Default()
	noPeer.Profiles.Peer = nil
	odd := Default()
	odd.Profiles.Server.DNS.Deny = []string{`we"ird.test`} // invalid, so Encode refuses; see below
	for name, p := range map[string]*Policy{"default": Default(), "example": example, "no peer": noPeer} {
		t.Run(name, func(t *testing.T) {
			out, err := p.Encode()
			if err != nil {
				t.Fatal(err)
			}
			back, err := Parse(out)
			if err != nil {
				t.Fatalf("Parse(Encode()) = %v\n%s", err, out)
			}
			if !reflect.DeepEqual(p, back) {
				t.Fatalf("round trip changed the policy:\n%+v\n%+v\n%s", p, back, out)
			}
			again, _ := back.Encode()
			if string(again) != string(out) {
				t.Fatalf("Encode is not stable:\n%s\n---\n%s", out, again)
			}
		})
	}
	if _, err := odd.Encode(); !errors.Is(err, ErrInvalidPolicy) {
		t.Fatalf("Encode of an invalid policy = %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	valid := string(mustEncode(t, Default()))
	tests := []struct {
		name string
		file string
		at   string // text on the line of the first error; "" means no line
		want string // part of the message
	}{
		{"toml syntax", "[key]\nalgorithms = [\"rsa\"\nrsa_min_bits = 2048\n", "rsa_min_bits", "expected"},
		{"unknown top key", valid + "\nextra = 1\n", "extra = 1", "extra: unknown key"},
		{"unknown profile", valid + "\n[profiles.admin]\nvalidity.default = \"1d\"\n", "[profiles.admin]", "profiles.admin: unknown key"},
		{"unknown profile key", strings.Replace(valid, "wildcards = true", "wildcards = true\nwildcard = true", 1), "wildcard = true", "profiles.server.wildcard: unknown key"},
		{"unknown key key", strings.Replace(valid, "rsa_min_bits = 2048", "rsa_min_bits = 2048\nrsa_minbits = 1", 1), "rsa_minbits", "key.rsa_minbits: unknown key"},
		{"upper-case key", strings.Replace(valid, "rsa_min_bits", "RSA_min_bits", 1), "RSA_min_bits", "key.RSA_min_bits: unknown key (keys are lower case)"},
		{"upper-case profile", strings.Replace(valid, "[profiles.server]", "[profiles.Server]", 1), "[profiles.Server]", "profiles.Server: unknown key"},
		{"wrong type", strings.Replace(valid, "wildcards = true", `wildcards = "yes"`, 1), "\"yes\"", "wildcards"},
		{"bad duration", strings.Replace(valid, `validity.default = "90d"`, `validity.default = "ninety"`, 1), "ninety", "ninety"},
		{"duration without unit", strings.Replace(valid, `validity.default = "90d"`, `validity.default = 90`, 1), "default = 90", "90"},
		{"max below default", strings.Replace(valid, `validity.max = "398d"`, `validity.max = "30d"`, 1), "30d", "profiles.server.validity.max: 30d is less than validity.default 90d"},
		{"rsa min below 2048", strings.Replace(valid, "rsa_min_bits = 2048", "rsa_min_bits = 1024", 1), "1024", "key.rsa_min_bits: 1024 is below 2048"},
		{"bad curve", strings.Replace(valid, `"P-384"]`, `"P-224"]`, 1), "P-224", `unknown curve "P-224"`},
		{"bad algorithm", strings.Replace(valid, `"ed25519", "rsa"`, `"dsa"`, 1), "dsa", `unknown algorithm "dsa"`},
		{"bad CIDR", strings.Replace(valid, `"10.0.0.0/8",`, `"10.0.0.0/33",`, 1), "10.0.0.0/33", `profiles.server.ip.allow: "10.0.0.0/33"`},
		{"host bits", strings.Replace(valid, `"10.0.0.0/8",`, `"10.0.0.1/8",`, 1), "10.0.0.1/8", `did you mean 10.0.0.0/8`},
		{"bad pattern", strings.Replace(valid, `".internal"]`, `"**.internal"]`, 1), "**.internal", `profiles.server.dns.allow: "**.internal"`},
		{"bad uri", strings.Replace(valid, `uri.allow = ["spiffe://localca.test/*"]`, `uri.allow = ["localca.test"]`, 1), `["localca.test"]`, `profiles.server.uri.allow: "localca.test"`},
		{"names on intermediate", valid + "dns.allow = [\".test\"]\n", "[profiles.intermediate]", "an intermediate carries no names"},
		{"empty file", "", "", "key.algorithms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.file))
			if err == nil {
				t.Fatalf("Parse accepted:\n%s", tt.file)
			}
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("error %v does not match ErrInvalidPolicy", err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if want := lineOf(tt.file, tt.at); pe.Line != want {
				t.Errorf("line %d, want %d: %v", pe.Line, want, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	file := "[key]\nalgorithms = [\"rsa\", \"dsa\"]\nrsa_min_bits = 512\nrsa_max_bits = 4096\ncolour = \"blue\"\n" +
		"[profiles.server]\nvalidity.default = \"90d\"\nvalidity.max = \"1d\"\ndns.allow = [\n  \"ok.test\",\n  \"bad..test\",\n]\n"
	_, err := Parse([]byte(file))
	want := []string{
		"policy: line 5: key.colour: unknown key",
		`policy: line 2: key.algorithms: unknown algorithm "dsa"`,
		"policy: line 3: key.rsa_min_bits: 512 is below 2048",
		"policy: line 8: profiles.server.validity.max: 1d is less than validity.default 90d",
		`policy: line 11: profiles.server.dns.allow: "bad..test"`,
	}
	got := strings.Split(err.Error(), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(got), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.toml")
	if err := os.WriteFile(path, []byte("[key]\nalgorithm = [\"rsa\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.HasPrefix(err.Error(), "policy: "+path+":2: key.algorithm: unknown key") {
		t.Fatalf("Load = %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.toml")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load(missing) = %v", err)
	}
}

func mustEncode(t *testing.T, p *Policy) []byte {
	t.Helper()
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lineOf is the number of the first line holding at, or 0.
func lineOf(file, at string) int {
	if at == "" {
		return 0
	}
	for i, l := range strings.Split(file, "\n") {
		if strings.Contains(l, at) {
			return i + 1
		}
	}
	return -1
}
