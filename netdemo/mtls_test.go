package netdemo

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/serialhex"
	"github.com/localca/localca/internal/testkit"
)

// TestMTLSRejects drives a Go client with each kind of bad certificate at
// an mTLS server. Under TLS 1.3 the client's handshake completes before the
// server has judged its certificate, so the refusal is seen on the first
// read: a TLS alert. The server's log names the failing check.
func TestMTLSRejects(t *testing.T) {
	e := newDemoEnv(t, time.Minute)
	revoked := e.pki.Client(t, "alice")
	e.src.publish(e.pki.CRL(t, time.Hour, revoked.Leaf))
	if err := e.checker.Update(testCtx(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	addr := e.startTCP(t, e.serverConfig(t, true, "uri:spiffe://localca.test/alice", "uri:spiffe://localca.test/bob"), Limits{})
	other := testkit.NewPKI(t, "Other")
	now := time.Now()

	tests := []struct {
		name       string
		leaf       *testkit.Leaf
		clientSees string // the alert the client reads
		serverLogs string // the reason in the server's log
	}{
		{"no client certificate", nil, "certificate required", "didn't provide a certificate"},
		{"another CA", other.Client(t, "bob"), "bad certificate", "certificate signed by unknown authority"},
		{"expired", e.pki.Issue(t, testkit.LeafSpec{CN: "bob", URIs: []string{"spiffe://localca.test/bob"},
			EKU:       []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour)}), "bad certificate", "expired"},
		{"server-only EKU", e.pki.Issue(t, testkit.LeafSpec{CN: "bob", URIs: []string{"spiffe://localca.test/bob"},
			EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}), "bad certificate", "incompatible key usage"},
		{"not on the allow list", e.pki.Client(t, "mallory"), "bad certificate", "matches none of the allow rules"},
		{"revoked", revoked, "bad certificate", "peer certificate revoked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, _, err := greet(testCtx(t, 5*time.Second), addr, e.clientConfig(t, tt.leaf, nil))
			if err == nil {
				t.Fatalf("refused client was served: %q", line)
			}
			if !strings.Contains(err.Error(), "remote error: tls: "+tt.clientSees) {
				t.Fatalf("client error = %v, want the %q alert", err, tt.clientSees)
			}
			if tt.leaf != nil {
				e.log.WaitFor(t, "serial "+serialhex.FormatInt(tt.leaf.Leaf.SerialNumber), 5*time.Second)
			}
			e.log.WaitFor(t, tt.serverLogs, 5*time.Second)
			t.Logf("client: %v", err)
		})
	}
	t.Run("good client still served", func(t *testing.T) {
		line, _, err := greet(testCtx(t, 5*time.Second), addr, e.clientConfig(t, e.pki.Client(t, "bob"), nil))
		if err != nil || !strings.Contains(line, "CN=bob") {
			t.Fatalf("greeting %q, %v", line, err)
		}
	})
}

// TestMTLSRevokedOnResumedSession: a client resumes its session (DidResume),
// its certificate is then revoked at the CA, and the next resumption is
// refused once the checker's background refresh has fetched the new CRL,
// because the check runs in VerifyConnection, which crypto/tls calls on
// resumed handshakes too.
func TestMTLSRevokedOnResumedSession(t *testing.T) {
	const refresh = 50 * time.Millisecond
	e := newDemoEnv(t, refresh)
	addr := e.startTCP(t, e.serverConfig(t, true), Limits{})
	bob := e.pki.Client(t, "bob")
	cfg := e.clientConfig(t, bob, tls.NewLRUClientSessionCache(8))

	ctx := testCtx(t, 20*time.Second)
	if _, cs, err := greet(ctx, addr, cfg); err != nil || cs.DidResume {
		t.Fatalf("first connection: resumed=%v err=%v", cs.DidResume, err)
	}
	line, cs, err := greet(ctx, addr, cfg)
	if err != nil || !cs.DidResume || !strings.Contains(line, "resumed session") {
		t.Fatalf("second connection must resume: resumed=%v line=%q err=%v", cs.DidResume, line, err)
	}

	e.src.publish(e.pki.CRL(t, time.Hour, bob.Leaf))
	revokedAt := time.Now()
	var refusal error
	for refusal == nil {
		if time.Since(revokedAt) > 100*refresh {
			t.Fatalf("still served %s after the revocation (refresh %s)", time.Since(revokedAt), refresh)
		}
		_, _, refusal = greet(ctx, addr, cfg)
	}
	if !strings.Contains(refusal.Error(), "bad certificate") {
		t.Fatalf("client error = %v", refusal)
	}
	e.log.WaitFor(t, "revoked", 5*time.Second)
	e.log.WaitFor(t, "(on a resumed session)", 5*time.Second)
	t.Logf("server log:\n%s", e.log)

	// A full handshake with a fresh session cache is refused too.
	_, _, err = greet(ctx, addr, e.clientConfig(t, bob, nil))
	if err == nil {
		t.Fatal("revoked client served on a full handshake")
	}
}

// TestMTLSFailClosedWithoutCRL: with no CRL ever fetched the server refuses
// every client and says why; FailOpen serves them.
func TestMTLSFailClosedWithoutCRL(t *testing.T) {
	for _, failOpen := range []bool{false, true} {
		t.Run(map[bool]string{false: "fail-closed", true: "fail-open"}[failOpen], func(t *testing.T) {
			pki := testkit.NewPKI(t, "Test")
			src := &crlSource{} // the CA never answers
			checker := &CRLChecker{Fetch: src.fetch, Issuers: []*x509.Certificate{pki.Inter}, FailOpen: failOpen}
			log := testkit.NewBuffer()
			cfg, err := ServerTLS{Identity: NewIdentity(pki.Server(t).Cert), ClientCAs: pki.Pool, Revocation: checker}.Config()
			if err != nil {
				t.Fatal(err)
			}
			addr := serve(t, listen(t), (&TCPServer{TLS: cfg, Log: log}).Serve)
			ccfg, err := ClientTLS{Identity: NewIdentity(pki.Client(t, "bob").Cert), RootCAs: pki.Pool, ServerName: testkit.ServerName}.Config()
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = greet(testCtx(t, 5*time.Second), addr, ccfg)
			if failOpen {
				if err != nil {
					t.Fatalf("fail-open refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("fail-closed served a client with no CRL held")
			}
			log.WaitFor(t, "no CRL held", 5*time.Second)
			log.WaitFor(t, "failing closed", 5*time.Second)
		})
	}
}

// TestClientRefusesWrongServer: the client side verifies the server's chain,
// EKU and name, so a server certificate for another name or from another CA
// is refused by the client itself.
func TestClientRefusesWrongServer(t *testing.T) {
	e := newDemoEnv(t, time.Minute)
	other := testkit.NewPKI(t, "Other")
	tests := []struct {
		name string
		leaf *testkit.Leaf
		want string
	}{
		{"another CA", other.Server(t), "unknown authority"},
		{"wrong name", e.pki.Issue(t, testkit.LeafSpec{CN: "api", DNS: []string{"api.localca.test"},
			EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}), "not web.localca.test"},
		{"client-only EKU", e.pki.Issue(t, testkit.LeafSpec{CN: "web", DNS: []string{testkit.ServerName},
			EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}), "incompatible key usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ServerTLS{Identity: NewIdentity(tt.leaf.Cert)}.Config()
			if err != nil {
				t.Fatal(err)
			}
			ln := listen(t)
			serve(t, ln, (&TCPServer{TLS: cfg}).Serve)
			_, _, err = greet(testCtx(t, 5*time.Second), ln.Addr().String(), e.clientConfig(t, nil, nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("client error = %v, want %q", err, tt.want)
			}
		})
	}
}
