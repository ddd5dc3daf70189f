package acme_test

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/ca/acme"
	xacme "golang.org/x/crypto/acme"
)

// TestOrderRefusals: what the policy, the protocol or the account's EAB
// patterns refuse at newOrder, each with its problem type naming the
// cause, and nothing stored.
func TestOrderRefusals(t *testing.T) {
	ts := newTestServer(t, inStore, func(c *acme.Config) { c.RequireEAB = false })
	c := ts.rawClient(t)
	c.register(t)
	cases := []struct {
		name    string
		payload map[string]any
		want    string
		detail  string
	}{
		{"a name the policy does not allow", map[string]any{"identifiers": []any{map[string]string{"type": "dns", "value": "example.com"}}}, "rejectedIdentifier", "dns.allow"},
		{"a wildcard in a profile without them", map[string]any{"identifiers": []any{map[string]string{"type": "dns", "value": "*.x.localhost"}}, "profile": "client"}, "rejectedIdentifier", "wildcards"},
		{"an address the policy does not allow", map[string]any{"identifiers": []any{map[string]string{"type": "ip", "value": "8.8.8.8"}}}, "rejectedIdentifier", "ip.allow"},
		{"an unknown profile", map[string]any{"identifiers": []any{map[string]string{"type": "dns", "value": "a.localhost"}}, "profile": "intermediate"}, "invalidProfile", "intermediate"},
		{"an email identifier", map[string]any{"identifiers": []any{map[string]string{"type": "email", "value": "a@b.test"}}}, "unsupportedIdentifier", "email"},
		{"no identifiers", map[string]any{"identifiers": []any{}}, "malformed", "identifiers"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := ts.snapshot()
			r := c.post(t, ts.base+"/acme/new-order", tc.payload, jwsOpts{})
			if r.problem != "urn:ietf:params:acme:error:"+tc.want || !strings.Contains(string(r.body), tc.detail) {
				t.Errorf("got %d %s, want %s naming %q", r.status, r.body, tc.want, tc.detail)
			}
			if after := ts.snapshot(); after != before {
				t.Errorf("the refused order changed the store")
			}
		})
	}
}

// TestEAB: with RequireEAB an account needs a binding; the binding's
// patterns limit its orders; a binding binds one account.
func TestEAB(t *testing.T) {
	ts := newTestServer(t, inStore, func(c *acme.Config) { c.RequireEAB = true })
	ctx := context.Background()
	if _, err := ts.xClient(t).Register(ctx, &xacme.Account{}, xacme.AcceptTOS); !isProblem(err, "externalAccountRequired") {
		t.Fatalf("an account without EAB: %v, want externalAccountRequired", err)
	}
	if _, err := acme.CreateEAB(ts.storage, "ci", []string{"not a pattern!"}, time.Now()); err == nil {
		t.Error("an EAB key with a bad pattern was made")
	}
	k, err := acme.CreateEAB(ts.storage, "ci", []string{"ci.localhost", "10.0.0.0/8"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	eab := &xacme.ExternalAccountBinding{KID: k.KeyID, Key: k.HMAC}
	cl := ts.xClient(t)
	if _, err := cl.Register(ctx, &xacme.Account{ExternalAccountBinding: eab}, xacme.AcceptTOS); err != nil {
		t.Fatalf("an account with EAB: %v", err)
	}
	if _, err := cl.AuthorizeOrder(ctx, xacme.DomainIDs("other.localhost")); !isProblem(err, "rejectedIdentifier") || !strings.Contains(err.Error(), "EAB") {
		t.Errorf("a name outside the EAB patterns: %v, want rejectedIdentifier naming the EAB key", err)
	}
	if _, err := ts.order(ctx, cl, false, "ci.localhost"); err != nil {
		t.Errorf("a name within the EAB patterns: %v", err)
	}
	wrong := &xacme.ExternalAccountBinding{KID: k.KeyID, Key: make([]byte, 32)}
	if _, err := ts.xClient(t).Register(ctx, &xacme.Account{ExternalAccountBinding: wrong}, xacme.AcceptTOS); !isProblem(err, "unauthorized") {
		t.Errorf("an EAB signed with the wrong key: %v, want unauthorized", err)
	}
	if _, err := ts.xClient(t).Register(ctx, &xacme.Account{ExternalAccountBinding: eab}, xacme.AcceptTOS); !isProblem(err, "unauthorized") {
		t.Errorf("a second account with one EAB key: %v, want unauthorized", err)
	}
}

// TestRevokedIntermediateRefusedInCommit: the server's CA was loaded
// before its intermediate was revoked, so only the commit's check stands
// between a ready order and a certificate from a revoked intermediate.
func TestRevokedIntermediateRefusedInCommit(t *testing.T) {
	ts := newTestServer(t, inStore)
	c := ts.rawClient(t)
	c.register(t)
	fin := c.readyOrder(t, "late.localhost")
	err := ts.caSrv.UseStore(func(cc *ca.CA) error {
		_, _, err := cc.RevokeIntermediate(cc.Intermediate().SerialNumber.Bytes(), 1)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	before := ts.snapshot()
	r := c.post(t, fin, csrPayload(t, "late.localhost"), jwsOpts{})
	if r.problem != "urn:ietf:params:acme:error:unauthorized" || !strings.Contains(string(r.body), "intermediate is revoked") {
		t.Errorf("finalize after the intermediate was revoked: %d %s", r.status, r.body)
	}
	if ts.snapshot() != before {
		t.Error("the refused finalize changed the store")
	}
}

// TestRevokeByKeyAndOwner: a certificate is revoked by its own key
// (jwk), and not by an account that did not order it.
func TestRevokeByKeyAndOwner(t *testing.T) {
	ts := newTestServer(t, inStore)
	ctx := context.Background()
	owner := ts.xClient(t)
	chain, err := ts.order(ctx, owner, true, "rk.localhost")
	if err != nil {
		t.Fatal(err)
	}
	stranger := ts.xClient(t)
	if _, err := stranger.Register(ctx, &xacme.Account{}, xacme.AcceptTOS); err != nil {
		t.Fatal(err)
	}
	if err := stranger.RevokeCert(ctx, nil, chain[0], xacme.CRLReasonUnspecified); !isProblem(err, "unauthorized") {
		t.Errorf("revocation by another account: %v, want unauthorized", err)
	}
	// The certificate's key: x/crypto's order() made it; make a fresh
	// order whose key this test holds.
	key := newECKey(t)
	csr, _ := x509.CreateCertificateRequest(nil, &x509.CertificateRequest{DNSNames: []string{"rk2.localhost"}}, key)
	o, err := owner.AuthorizeOrder(ctx, xacme.DomainIDs("rk2.localhost"))
	if err != nil {
		t.Fatal(err)
	}
	z, _ := owner.GetAuthorization(ctx, o.AuthzURLs[0])
	for _, ch := range z.Challenges {
		if ch.Type == "http-01" {
			resp, _ := owner.HTTP01ChallengeResponse(ch.Token)
			ts.tokens.Store(ch.Token, resp)
			owner.Accept(ctx, ch)
		}
	}
	if _, err := owner.WaitOrder(ctx, o.URI); err != nil {
		t.Fatal(err)
	}
	der, _, err := owner.CreateOrderCert(ctx, o.FinalizeURL, csr, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := stranger.RevokeCert(ctx, key, der[0], xacme.CRLReasonKeyCompromise); err != nil {
		t.Fatalf("revocation signed by the certificate's key: %v", err)
	}
	leaf, _ := x509.ParseCertificate(der[0])
	err = ts.storage.View(func(tx acme.Tx) error {
		c, err := tx.Cert(leaf.SerialNumber.Bytes())
		if err == nil && c.Status != "revoked" {
			t.Errorf("status %q after revocation by its key", c.Status)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAccountLifecycle: a key change moves the account to the new key,
// and a deactivated account can do nothing more.
func TestAccountLifecycle(t *testing.T) {
	ts := newTestServer(t, inMemory)
	ctx := context.Background()
	cl := ts.xClient(t)
	acct, err := cl.Register(ctx, &xacme.Account{Contact: []string{"mailto:dev@localca.test"}}, xacme.AcceptTOS)
	if err != nil {
		t.Fatal(err)
	}
	newKey, oldKey := newECKey(t), cl.Key
	if err := cl.AccountKeyRollover(ctx, newKey); err != nil {
		t.Fatalf("key change: %v", err)
	}
	old := &xacme.Client{Key: oldKey, DirectoryURL: ts.dir(), HTTPClient: ts.client}
	if _, err := old.GetReg(ctx, ""); !errors.Is(err, xacme.ErrNoAccount) { // x/crypto's name for accountDoesNotExist
		t.Errorf("the old key after a key change: %v, want accountDoesNotExist", err)
	}
	cl.Key = newKey
	got, err := cl.GetReg(ctx, "")
	if err != nil || got.URI != acct.URI {
		t.Fatalf("the new key finds %v (%v), want %s", got, err, acct.URI)
	}
	if err := cl.DeactivateReg(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.AuthorizeOrder(ctx, xacme.DomainIDs("a.localhost")); !isProblem(err, "unauthorized") {
		t.Errorf("an order by a deactivated account: %v, want unauthorized", err)
	}
}

// TestLimits: new accounts per minute per address, and pending orders per
// account, each refused with rateLimited and a Retry-After. (Raw requests:
// x/crypto/acme retries a 429 until its context ends.)
func TestLimits(t *testing.T) {
	ts := newTestServer(t, inMemory, func(c *acme.Config) { c.AccountsPerMinute, c.MaxPendingOrders = 2, 2 })
	var c *rawClient
	for i := range 3 {
		c = ts.rawClient(t)
		r := c.post(t, ts.base+"/acme/new-account", map[string]any{"termsOfServiceAgreed": true}, jwsOpts{})
		if i < 2 && r.status != 201 {
			t.Fatalf("account %d: %d %s", i, r.status, r.body)
		}
		if i == 2 && (r.problem != "urn:ietf:params:acme:error:rateLimited" || r.header.Get("Retry-After") == "") {
			t.Errorf("a third account in a minute: %d %s", r.status, r.body)
		}
	}
	c = ts.rawClient(t)
	ts2 := newTestServer(t, inMemory, func(c *acme.Config) { c.MaxPendingOrders = 2 })
	c.ts = ts2
	c.register(t)
	for i := range 3 {
		r := c.post(t, ts2.base+"/acme/new-order", map[string]any{"identifiers": []any{map[string]string{"type": "dns", "value": "p.localhost"}}}, jwsOpts{})
		if i < 2 && r.status != 201 {
			t.Fatalf("order %d: %d %s", i, r.status, r.body)
		}
		if i == 2 && r.problem != "urn:ietf:params:acme:error:rateLimited" {
			t.Errorf("a third pending order: %d %s", r.status, r.body)
		}
	}
}

// clock is a settable time for expiry tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// TestExpiryAndCleanup: a pending order turns invalid after its lifetime
// and Cleanup removes it with its authorizations; a valid order stays.
func TestExpiryAndCleanup(t *testing.T) {
	clk := &clock{t: time.Now()}
	ts := newTestServer(t, inStore, func(c *acme.Config) { c.Now = clk.now })
	ctx := context.Background()
	cl := ts.xClient(t)
	chain, err := ts.order(ctx, cl, true, "kept.localhost")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.AuthorizeOrder(ctx, xacme.DomainIDs("dropped.localhost")); err != nil {
		t.Fatal(err)
	}
	clk.add(acme.DefaultOrderLifetime + time.Minute)
	orders, _ := ts.acme.Orders()
	statuses := map[string]string{}
	for _, o := range orders {
		statuses[acme.IdentValues(o.Identifiers)] = o.Status
	}
	if statuses["dropped.localhost"] != "invalid" || statuses["kept.localhost"] != "valid" {
		t.Errorf("after the lifetime: %v", statuses)
	}
	n, err := ts.acme.Cleanup()
	if err != nil || n != 1 {
		t.Fatalf("Cleanup removed %d (%v), want 1", n, err)
	}
	orders, _ = ts.acme.Orders()
	if len(orders) != 1 || orders[0].Status != "valid" {
		t.Errorf("after cleanup: %+v", orders)
	}
	var authzs int
	ts.storage.View(func(tx acme.Tx) error {
		return tx.Range("authz/", func(string, []byte) error { authzs++; return nil })
	})
	if authzs != 1 {
		t.Errorf("%d authorizations left, want the valid order's 1", authzs)
	}
	leaf, _ := x509.ParseCertificate(chain[0])
	if orders[0].Serial != hex.EncodeToString(leaf.SerialNumber.Bytes()) {
		t.Errorf("the kept order names serial %s, the certificate has %x", orders[0].Serial, leaf.SerialNumber)
	}
}
