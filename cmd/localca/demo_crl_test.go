package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// TestDemoFilesWithCRL: a demo given files (--cert/--key/--ca root.pem) and
// the intermediate's CRL (--crl) serves good peers and refuses revoked
// ones; the CRL's signer is verified up to the root. Without --crl it uses
// this CA's own CRL when --ca is this CA's root, and says at start that it
// checks no revocation when --ca is another CA's. openssl s_client is the
// peer.
func TestDemoFilesWithCRL(t *testing.T) {
	openssl := testkit.NeedTool(t, "openssl")
	h, root := newCA(t)
	srvCert := h.issue(h.out, "echo.localca.test")
	alice := h.issue(h.out, "alice.localca.test", "--client")
	bob := h.issue(h.out, "bob.localca.test", "--client")
	h.ok("revoke", bob.serial)
	h.ok("crl", "--out", h.path("ca.crl"))
	files := []string{"demo", "tcp-server", "--mtls", "--cert", srvCert.cert, "--key", srvCert.key, "--ca", root, "--addr", "127.0.0.1:0"}
	connect := func(addr string, who issued) cliResult {
		return runTool(t, "hi\n", openssl, "s_client", "-connect", addr, "-servername", "echo.localca.test",
			"-CAfile", root, "-verify_return_error", "-cert", who.cert, "-cert_chain", who.cert, "-key", who.key, "-quiet", "-no_ign_eof")
	}
	// The server's log says whom it served and whom it refused (s_client
	// may hang up before it reads the echo).
	check := func(t *testing.T, srv *server, addr string) {
		t.Helper()
		connect(addr, alice)
		srv.wait(t, srv.stderr, 0, regexp.MustCompile(`connected: "CN=alice\.localca\.test"`), 10*time.Second)
		if r := connect(addr, bob); strings.Contains(r.stdout, "echo: hi") {
			t.Errorf("a revoked peer was served: %s", r)
		}
		srv.wait(t, srv.stderr, 0, regexp.MustCompile(`handshake refused: .*CN=bob\.localca\.test.* revoked`), 10*time.Second)
		if strings.Contains(srv.stderr.String(), `connected: "CN=bob`) {
			t.Errorf("the revoked peer was connected:\n%s", srv.stderr)
		}
	}
	t.Run("--crl signed by the intermediate, --ca the root", func(t *testing.T) {
		srv, addr := h.in(t).serve(append(files, "--crl", h.path("ca.crl"))...)
		check(t, srv, addr)
		srv.stop(t)
	})
	t.Run("no --crl, --ca this CA's root: its own CRL", func(t *testing.T) {
		srv, addr := h.in(t).serve(files...)
		check(t, srv, addr)
		srv.stop(t)
	})
	t.Run("no --crl, --ca another CA's: says so", func(t *testing.T) {
		other := newHome(t) // no CA here: --ca is not this machine's
		srv, _ := other.serve(files...)
		srv.wait(t, srv.stderr, 0, regexp.MustCompile(`checks no revocation of peers`), 10*time.Second)
		srv.stop(t)
	})
}
