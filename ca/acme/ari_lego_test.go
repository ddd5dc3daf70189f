package acme_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	legoacme "github.com/go-acme/lego/v5/acme"
	"github.com/go-acme/lego/v5/acme/api"
	"github.com/go-acme/lego/v5/certcrypto"
	"github.com/go-acme/lego/v5/certificate"
	"github.com/go-acme/lego/v5/lego"
	"github.com/go-acme/lego/v5/registration"
)

// legoUser is lego's registration.User.
type legoUser struct {
	key crypto.Signer
	reg *legoacme.ExtendedAccount
}

func (u *legoUser) GetEmail() string                           { return "" }
func (u *legoUser) GetRegistration() *legoacme.ExtendedAccount { return u.reg }
func (u *legoUser) GetPrivateKey() crypto.Signer               { return u.key }

// legoHTTP01 answers lego's http-01 challenges through the test server's
// responder.
type legoHTTP01 struct{ ts *testServer }

func (p legoHTTP01) Present(_ context.Context, _, token, keyAuth string) error {
	p.ts.tokens.Store(token, keyAuth)
	return nil
}

func (p legoHTTP01) CleanUp(_ context.Context, _, token, _ string) error {
	p.ts.tokens.Delete(token)
	return nil
}

// legoClient is a registered lego client (its Go packages) for ts.
func (ts *testServer) legoClient(t *testing.T) *lego.Client {
	t.Helper()
	u := &legoUser{key: newECKey(t)}
	cfg := lego.NewConfig(u)
	cfg.CADirURL = ts.dir()
	cfg.HTTPClient = ts.client
	cl, err := lego.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Challenge.SetHTTP01Provider(legoHTTP01{ts}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if u.reg, err = cl.Registration.Register(ctx, registration.RegisterOptions{TermsOfServiceAgreed: true}); err != nil {
		t.Fatal(err)
	}
	return cl
}

func leafOf(t *testing.T, res *certificate.Resource) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode(res.Certificate)
	if b == nil {
		t.Fatal("no certificate in lego's resource")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestARIRenewalWithLego renews through ARI (RFC 9773) with lego's Go
// packages: the directory offers renewalInfo and the policy's profiles,
// the window lies in the certificate's last third, the renewal order
// carries replaces, a second replacement of the same certificate is
// refused (alreadyReplaced), and after revocation the window is now.
func TestARIRenewalWithLego(t *testing.T) {
	ts := newTestServer(t, inStore)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cl := ts.legoClient(t)
	meta := cl.GetServerMetadata()
	for _, p := range []string{"server", "client", "peer"} {
		if meta.Profiles[p] == "" {
			t.Errorf("the directory's meta.profiles lacks %q: %v", p, meta.Profiles)
		}
	}
	first, err := cl.Certificate.Obtain(ctx, certificate.ObtainRequest{Domains: []string{"ari.localhost"}, Bundle: true, KeyType: certcrypto.EC256, Profile: "peer"})
	if err != nil {
		t.Fatal(err)
	}
	leaf := leafOf(t, first)
	if len(leaf.ExtKeyUsage) != 2 {
		t.Errorf("profile peer: EKU %v, want serverAuth and clientAuth", leaf.ExtKeyUsage)
	}
	info, err := cl.Certificate.GetRenewalInfo(ctx, leaf)
	if err != nil {
		t.Fatal(err)
	}
	life := leaf.NotAfter.Sub(leaf.NotBefore)
	if w := info.SuggestedWindow; w.Start.Before(leaf.NotBefore.Add(life/2)) || !w.End.After(w.Start) || w.End.After(leaf.NotAfter) {
		t.Errorf("suggested window %v..%v for a certificate of %v..%v", w.Start, w.End, leaf.NotBefore, leaf.NotAfter)
	}
	certID, err := api.MakeARICertID(leaf)
	if err != nil {
		t.Fatal(err)
	}
	second, err := cl.Certificate.Obtain(ctx, certificate.ObtainRequest{Domains: []string{"ari.localhost"}, Bundle: true, KeyType: certcrypto.EC256,
		Profile: "peer", ReplacesCertID: certID})
	if err != nil {
		t.Fatalf("renewal with replaces: %v", err)
	}
	orders, err := ts.acme.Orders()
	if err != nil {
		t.Fatal(err)
	}
	var replaced bool
	for _, o := range orders {
		replaced = replaced || (o.Replaces == certID && o.Serial != "" && o.Status == "valid")
	}
	if !replaced {
		t.Errorf("no valid order with replaces %q among %+v", certID, orders)
	}
	// A second replacement of the same certificate is refused with
	// alreadyReplaced; lego then orders again without replaces (RFC 9773
	// 5), so exactly one order replaces it.
	if _, err = cl.Certificate.Obtain(ctx, certificate.ObtainRequest{Domains: []string{"ari.localhost"}, Bundle: true,
		KeyType: certcrypto.EC256, ReplacesCertID: certID}); err != nil {
		t.Fatal(err)
	}
	if orders, err = ts.acme.Orders(); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range orders {
		if o.Replaces == certID {
			n++
		}
	}
	if len(orders) != 3 || n != 1 {
		t.Errorf("%d orders, %d replacing %s; want 3 and 1", len(orders), n, certID)
	}
	if err := cl.Certificate.Revoke(ctx, second.Certificate); err != nil {
		t.Fatal(err)
	}
	info, err = cl.Certificate.GetRenewalInfo(ctx, leafOf(t, second))
	if err != nil {
		t.Fatal(err)
	}
	if now := time.Now(); info.SuggestedWindow.Start.After(now) {
		t.Errorf("a revoked certificate's window starts %v, want now or earlier", info.SuggestedWindow.Start)
	}
}
