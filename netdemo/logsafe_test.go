package netdemo

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// A client's SANs are the client's to choose: one holding a newline and a
// terminal escape must not forge a line in the demo server's log.
func TestDemoLogEscapesClientSANs(t *testing.T) {
	e := newDemoEnv(t, time.Minute)
	addr := e.startTCP(t, e.serverConfig(t, true, "uri:spiffe://localca.test/bob"), Limits{})
	forged := "evil.test\ntcp: 127.0.0.1:1: connected: \"CN=admin\"\x1b[1A"
	leaf := e.pki.Issue(t, testkit.LeafSpec{CN: "mallory", DNS: []string{forged},
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if _, _, err := greet(testCtx(t, 5*time.Second), addr, e.clientConfig(t, leaf, nil)); err == nil {
		t.Fatal("a client off the allow list was served")
	}
	e.log.WaitFor(t, "matches none of the allow rules", 5*time.Second)
	log := e.log.String()
	if strings.ContainsRune(log, 0x1b) {
		t.Errorf("ESC reached the log: %q", log)
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.HasPrefix(line, "tcp: 127.0.0.1:1:") {
			t.Errorf("forged line in the log: %q", line)
		}
	}
	if !strings.Contains(log, `evil.test\\ntcp`) && !strings.Contains(log, `evil.test\ntcp`) {
		t.Errorf("the SAN is not shown escaped: %q", log)
	}
}
