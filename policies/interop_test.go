package policies

import (
	"encoding/pem"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

// TestNameConstraintsOpenSSL has OpenSSL, a verifier we did not write,
// judge leaves under an intermediate carrying the default policy's
// constraints: allowed names verify, public names fail with a subtree
// violation.
func TestNameConstraintsOpenSSL(t *testing.T) {
	openssl := testkit.NeedTool(t, "openssl")
	pki := newTestPKI(t, Default().NameConstraints())
	dir := t.TempDir()
	writePEM := func(name string, ders ...[]byte) string {
		t.Helper()
		var b []byte
		for _, der := range ders {
			b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	rootFile := writePEM("root.pem", pki.Root.Raw)
	interFile := writePEM("inter.pem", pki.Inter.Raw)

	tests := []struct {
		name string
		req  Request
		ok   bool
	}{
		{"allowed", Request{DNSNames: []string{"api.dev.test", "*.dev.test", "localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}}, true},
		{"spiffe", Request{Profile: ProfilePeer, URIs: []*url.URL{mustURL(t, "spiffe://localca.test/ns/prod/sa/web")}}, true},
		{"email", Request{Profile: ProfileClient, EmailAddresses: []string{"alice@dev.test"}}, true},
		{"public name", Request{DNSNames: []string{"example.com"}}, false},
		{"public IP", Request{IPAddresses: []net.IP{net.ParseIP("8.8.8.8")}}, false},
		{"other trust domain", Request{URIs: []*url.URL{mustURL(t, "spiffe://evil.example/x")}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Default().Check(tt.req)
			if err != nil {
				if tt.ok {
					t.Fatal(err)
				}
				// The policy refuses it; sign it anyway, as a thief with
				// the intermediate's key would.
				d = &Decision{DNSNames: tt.req.DNSNames, IPAddresses: tt.req.IPAddresses, URIs: tt.req.URIs}
			}
			leaf := writePEM("leaf.pem", pki.sign(t, d).Raw)
			out, err := exec.Command(openssl, "verify", "-CAfile", rootFile, "-untrusted", interFile, leaf).CombinedOutput()
			if tt.ok && err != nil {
				t.Fatalf("openssl refused an allowed leaf: %v\n%s", err, out)
			}
			if !tt.ok && (err == nil || !strings.Contains(string(out), "subtree")) {
				t.Fatalf("openssl on a leaf for a public name: %v\n%s", err, out)
			}
		})
	}
}
