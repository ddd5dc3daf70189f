package acme_test

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/localca/localca/ca"
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
// on one store, alternately: 20 pairs of rounds of 10 sequential
// certificates each. It reports the median, min and max of the orders/s
// to issues/s ratio. Run: go test ./ca/acme -run '^$' -bench OrderVsIssue -benchtime 1x
func BenchmarkACMEOrderVsIssue(b *testing.B) {
	const pairs, perRound = 20, 10
	ts := newTestServer(b, inStore)
	ctx := context.Background()
	cl := ts.xClient(b)
	if _, err := cl.Register(ctx, &xacme.Account{}, xacme.AcceptTOS); err != nil {
		b.Fatal(err)
	}
	var ratios, orderRates, issueRates []float64
	for range b.N {
		for p := range pairs {
			start := time.Now()
			for i := range perRound {
				if err := ts.benchOrder(ctx, cl, fmt.Sprintf("o%d-%d.localhost", p, i)); err != nil {
					b.Fatal(err)
				}
			}
			orders := perRound / time.Since(start).Seconds()
			start = time.Now()
			for i := range perRound {
				err := ts.caSrv.UseStore(func(c *ca.CA) error {
					_, err := c.Issue(ca.IssueRequest{Names: []string{fmt.Sprintf("i%d-%d.localhost", p, i)}})
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			issues := perRound / time.Since(start).Seconds()
			orderRates, issueRates, ratios = append(orderRates, orders), append(issueRates, issues), append(ratios, orders/issues)
		}
	}
	med := func(xs []float64) float64 { s := slices.Sorted(slices.Values(xs)); return s[len(s)/2] }
	b.ReportMetric(med(orderRates), "orders/s")
	b.ReportMetric(med(issueRates), "issues/s")
	b.ReportMetric(med(ratios), "ratio-median")
	b.ReportMetric(slices.Min(ratios), "ratio-min")
	b.ReportMetric(slices.Max(ratios), "ratio-max")
}
