//go:build darwin

package truststore

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
)

// systemKeychain is the macOS keychain whose trust settings every user and
// Safari, Chrome and curl (built with Secure Transport) share.
const systemKeychain = "/Library/Keychains/System.keychain"

// keychainStore is the macOS System keychain, driven with the security
// tool, as mkcert does. It is not tested here (the tests run on Linux);
// it is kept to the three calls it needs.
type keychainStore struct {
	security string // "" when the tool is not found
}

func newKeychainStore() *keychainStore {
	p, _ := exec.LookPath("security")
	return &keychainStore{security: p}
}

func (*keychainStore) name() string { return "keychain" }

func (s *keychainStore) missing() string {
	if s.security == "" {
		return "the security tool is not found"
	}
	return ""
}

// status looks for our SHA-1 among the keychain's certificates:
// `security find-certificate -a -Z` prints "SHA-1 hash: HEX" for each.
func (s *keychainStore) status(ctx context.Context, root *x509.Certificate) ([]place, error) {
	out, err := runTool(ctx, s.security, "find-certificate", "-a", "-Z", systemKeychain)
	if err != nil {
		return nil, err
	}
	found := strings.Contains(strings.ToUpper(string(out)), "SHA-1 HASH: "+rootSHA1(root))
	p := place{where: systemKeychain, trusted: found, present: found}
	if found {
		p.note = "SHA-1 " + rootSHA1(root)
	}
	return []place{p}, nil
}

// writable: the System keychain and its trust settings change only as root.
func (s *keychainStore) writable([]place) error {
	if os.Geteuid() != 0 {
		return &needsRootError{why: "changing " + systemKeychain + " needs root"}
	}
	return nil
}

func (s *keychainStore) install(ctx context.Context, _ *x509.Certificate, pemFile string, _ []place) ([]Step, error) {
	if _, err := runTool(ctx, s.security, "add-trusted-cert", "-d", "-r", "trustRoot", "-k", systemKeychain, pemFile); err != nil {
		return nil, err
	}
	return []Step{{Where: systemKeychain, State: "installed", Changed: true}}, nil
}

// uninstall deletes by SHA-1, which names exactly our root.
func (s *keychainStore) uninstall(ctx context.Context, root *x509.Certificate, _ []place) ([]Step, error) {
	if _, err := runTool(ctx, s.security, "delete-certificate", "-Z", rootSHA1(root), systemKeychain); err != nil {
		return nil, err
	}
	return []Step{{Where: systemKeychain, State: "removed", Changed: true}}, nil
}

// rootSHA1 is the fingerprint macOS's security tool names certificates by.
func rootSHA1(root *x509.Certificate) string {
	sum := sha1.Sum(root.Raw)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}
