package acme_test

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/benchalt"
	xacme "golang.org/x/crypto/acme"
)

// benchOrder is one whole ACME order over http-01 for name by a registered
// client, polling the authorization every 5 ms (x/crypto's own wait
// sleeps a second or more between polls, which would measure its sleep).
func (ts *testServer) benchOrder(ctx context.Context, cl *xacme.Client, name string) error {
	o, err := cl.AuthorizeOrder(ctx, xacme.DomainIDs(name))
	if err != nil {
		return err
	}
	z, err := cl.GetAuthorization(ctx, o.AuthzURLs[0])
	if err != nil {
		return err
	}
	for _, ch := range z.Challenges {
		if ch.Type != "http-01" {
			continue
		}
		resp, _ := cl.HTTP01ChallengeResponse(ch.Token)
		ts.tokens.Store(ch.Token, resp)
		if _, err := cl.Accept(ctx, ch); err != nil {
			return err
		}
	}
	for {
		z, err := cl.GetAuthorization(ctx, o.AuthzURLs[0])
		if err != nil {
			return err
		}
		if z.Status == xacme.StatusValid {
			break
		}
		if z.Status != xacme.StatusPending {
			return fmt.Errorf("authorization %s", z.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
	csr, err := x509.CreateCertificateRequest(nil, &x509.CertificateRequest{Subject: pkix.Name{CommonName: name}, DNSNames: []string{name}}, newECKey(nilTB{}))
	if err != nil {
		return err
	}
	_, _, err = cl.CreateOrderCert(ctx, o.FinalizeURL, csr, true)
	return err
}

// BenchmarkACMEOrderVsIssue measures whole ACME orders (x/crypto/acme
// client, http-01 over loopback, the certificate committed with its order)
// against ca.Issue, the path of `localca issue` without its process start,
// on one store, alternated by benchalt.Bench (21 pairs of b.N each): ns/op
// is an order, base-ns/op an issue, ratio the median order/issue time.
// Run: go test ./ca/acme -run '^$' -bench OrderVsIssue -benchtime 10x
func BenchmarkACMEOrderVsIssue(b *testing.B) {
	ts := newTestServer(b, inStore)
	ctx := context.Background()
	cl := ts.xClient(b)
	if _, err := cl.Register(ctx, &xacme.Account{}, xacme.AcceptTOS); err != nil {
		b.Fatal(err)
	}
	seq := 0
	benchalt.Bench(b, b.N, func(n int) error {
		for range n {
			seq++
			if err := ts.benchOrder(ctx, cl, fmt.Sprintf("o%d.localhost", seq)); err != nil {
				return err
			}
		}
		return nil
	}, func(n int) error {
		for range n {
			seq++
			err := ts.caSrv.UseStore(func(c *ca.CA) error {
				_, err := c.Issue(ca.IssueRequest{Names: []string{fmt.Sprintf("i%d.localhost", seq)}})
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}
