package acme_test

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/ca/acme"
	xacme "golang.org/x/crypto/acme"
)

// xClient is golang.org/x/crypto/acme's client for a test server, with a
// new account key.
func (ts *testServer) xClient(t testing.TB) *xacme.Client {
	t.Helper()
	return &xacme.Client{Key: newECKey(t), DirectoryURL: ts.dir(), HTTPClient: ts.client, UserAgent: "localca-test"}
}

// order runs a whole order for names with client (registered first when
// register is set) over http-01, and returns the certificate chain.
func (ts *testServer) order(ctx context.Context, cl *xacme.Client, register bool, names ...string) ([][]byte, error) {
	if register {
		if _, err := cl.Register(ctx, &xacme.Account{}, xacme.AcceptTOS); err != nil {
			return nil, fmt.Errorf("register: %w", err)
		}
	}
	o, err := cl.AuthorizeOrder(ctx, xacme.DomainIDs(names...))
	if err != nil {
		return nil, fmt.Errorf("new order: %w", err)
	}
	for _, u := range o.AuthzURLs {
		z, err := cl.GetAuthorization(ctx, u)
		if err != nil {
			return nil, err
		}
		var ch *xacme.Challenge
		for _, c := range z.Challenges {
			if c.Type == "http-01" {
				ch = c
			}
		}
		if ch == nil {
			return nil, fmt.Errorf("no http-01 challenge in %s", u)
		}
		resp, err := cl.HTTP01ChallengeResponse(ch.Token)
		if err != nil {
			return nil, err
		}
		ts.tokens.Store(ch.Token, resp)
		if _, err := cl.Accept(ctx, ch); err != nil {
			return nil, fmt.Errorf("accept: %w", err)
		}
		if _, err := cl.WaitAuthorization(ctx, u); err != nil {
			return nil, fmt.Errorf("authorization: %w", err)
		}
	}
	if o, err = cl.WaitOrder(ctx, o.URI); err != nil {
		return nil, fmt.Errorf("order: %w", err)
	}
	csr, err := x509.CreateCertificateRequest(nil, &x509.CertificateRequest{Subject: pkix.Name{CommonName: names[0]}, DNSNames: names}, newECKey(nilTB{}))
	if err != nil {
		return nil, err
	}
	der, _, err := cl.CreateOrderCert(ctx, o.FinalizeURL, csr, true)
	if err != nil {
		return nil, fmt.Errorf("finalize: %w", err)
	}
	return der, nil
}

// nilTB lets newECKey run outside a test's goroutine (it never fails).
type nilTB struct{ testing.TB }

func (nilTB) Helper() {}

// TestXCryptoFlow is the plain flow with golang.org/x/crypto/acme: an
// account, an order for two names, http-01, a certificate that verifies
// against the root and is in the store, revocation by the account.
func TestXCryptoFlow(t *testing.T) {
	for _, kind := range []storageKind{inStore, inMemory} {
		t.Run(kind.String(), func(t *testing.T) {
			ts := newTestServer(t, kind)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cl := ts.xClient(t)
			chain, err := ts.order(ctx, cl, true, "localhost", "app.localhost")
			if err != nil {
				t.Fatal(err)
			}
			leaf := ts.verify(t, chain, "app.localhost")
			if kind == inStore {
				err := ts.caSrv.UseStore(func(c *ca.CA) error {
					if _, err := c.Store().Cert(leaf.SerialNumber.Bytes()); err != nil {
						return fmt.Errorf("the certificate is not in the store: %w", err)
					}
					events, err := c.Store().Events(0)
					kinds := map[string]bool{}
					for _, e := range events {
						kinds[e.Kind] = true
					}
					for _, k := range []string{"acme.account", "acme.order", "acme.validation", "acme.issued", "cert.issued"} {
						if !kinds[k] {
							t.Errorf("no %s event in the log", k)
						}
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := cl.RevokeCert(ctx, nil, chain[0], xacme.CRLReasonKeyCompromise); err != nil {
				t.Fatalf("revoke by the account: %v", err)
			}
			err = ts.storage.View(func(tx acme.Tx) error {
				c, err := tx.Cert(leaf.SerialNumber.Bytes())
				if err == nil && c.Status != "revoked" {
					err = fmt.Errorf("status %q after revocation", c.Status)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// verify checks a chain from the server against the root for name.
func (ts *testServer) verify(t testing.TB, chain [][]byte, name string) *x509.Certificate {
	t.Helper()
	if len(chain) != 2 {
		t.Fatalf("chain of %d certificates, want leaf and intermediate", len(chain))
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		t.Fatal(err)
	}
	inter, err := x509.ParseCertificate(chain[1])
	if err != nil {
		t.Fatal(err)
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(ts.ca.Root())
	inters.AddCert(inter)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters, DNSName: name}); err != nil {
		t.Fatalf("the certificate does not verify for %q: %v", name, err)
	}
	return leaf
}

func isProblem(err error, kind string) bool {
	e, ok := err.(*xacme.Error)
	return ok && e.ProblemType == "urn:ietf:params:acme:error:"+kind
}

// TestConcurrentOrders has 50 clients, each with its own account, order
// at once: every order completes, no serial repeats, and every
// certificate is in the store.
func TestConcurrentOrders(t *testing.T) {
	const n = 50
	ts := newTestServer(t, inStore)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	serials := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			chain, err := ts.order(ctx, ts.xClient(nilTB{}), true, fmt.Sprintf("c%d.localhost", i))
			if err != nil {
				errs[i] = err
				return
			}
			leaf, err := x509.ParseCertificate(chain[0])
			if err != nil {
				errs[i] = err
				return
			}
			serials[i] = hex.EncodeToString(leaf.SerialNumber.Bytes())
		}()
	}
	wg.Wait()
	seen := map[string]int{}
	for i, err := range errs {
		if err != nil {
			t.Errorf("client %d: %v", i, err)
			continue
		}
		if j, dup := seen[serials[i]]; dup {
			t.Errorf("clients %d and %d got serial %s", j, i, serials[i])
		}
		seen[serials[i]] = i
	}
	err := ts.caSrv.UseStore(func(c *ca.CA) error {
		for s, i := range seen {
			raw, _ := hex.DecodeString(s)
			if _, err := c.Store().Cert(raw); err != nil {
				t.Errorf("client %d's certificate %s is not in the store: %v", i, s, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	orders, err := ts.acme.Orders()
	if err != nil {
		t.Fatal(err)
	}
	valid := 0
	for _, o := range orders {
		if o.Status == "valid" && o.Serial != "" {
			valid++
		}
	}
	if valid != n || len(orders) != n {
		t.Errorf("%d orders stored, %d valid; want %d valid", len(orders), valid, n)
	}
}

// TestIPIdentifier is RFC 8738: an order for an address, proved by
// http-01 on that address, gives a certificate with the IP SAN.
func TestIPIdentifier(t *testing.T) {
	ts := newTestServer(t, inMemory)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := ts.xClient(t)
	if _, err := cl.Register(ctx, &xacme.Account{}, xacme.AcceptTOS); err != nil {
		t.Fatal(err)
	}
	o, err := cl.AuthorizeOrder(ctx, xacme.IPIDs("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	z, err := cl.GetAuthorization(ctx, o.AuthzURLs[0])
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ch := range z.Challenges {
		types = append(types, ch.Type)
		if ch.Type == "http-01" {
			resp, _ := cl.HTTP01ChallengeResponse(ch.Token)
			ts.tokens.Store(ch.Token, resp)
			if _, err := cl.Accept(ctx, ch); err != nil {
				t.Fatal(err)
			}
		}
	}
	if slices.Contains(types, "dns-01") {
		t.Errorf("an IP identifier offers dns-01 (RFC 8738 7 forbids it): %v", types)
	}
	if _, err := cl.WaitOrder(ctx, o.URI); err != nil {
		t.Fatal(err)
	}
	csr, _ := x509.CreateCertificateRequest(nil, &x509.CertificateRequest{IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}, newECKey(t))
	der, _, err := cl.CreateOrderCert(ctx, o.FinalizeURL, csr, true)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der[0])
	if len(leaf.IPAddresses) != 1 || !leaf.IPAddresses[0].Equal(net.ParseIP("127.0.0.1")) || len(leaf.DNSNames) != 0 {
		t.Errorf("certificate names %v %v, want IP 127.0.0.1 alone", leaf.IPAddresses, leaf.DNSNames)
	}
}
