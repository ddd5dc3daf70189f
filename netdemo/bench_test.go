package netdemo

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/localca/localca/internal/benchalt"
	"github.com/localca/localca/internal/testkit"
)

// BenchmarkMTLSHandshake measures full mTLS handshakes (no resumption) with
// the revocation check against a CRL of 1000 entries, alternately with the
// same handshakes without it (internal/benchalt: 21 pairs of b.N handshakes
// a side), so the cost of checking is known: ns/op is the checked side's
// median, base-ns/op the unchecked, ratio (ratio-min, ratio-max) the median
// of the pairs' time ratios. The check is a map lookup in memory, so the two
// should differ by a few percent at most:
//
//	go test -run '^$' -bench MTLSHandshake ./netdemo/
func BenchmarkMTLSHandshake(b *testing.B) {
	t := b
	pki := testkit.NewPKI(t, "Bench")
	server, client := pki.Server(t), pki.Client(t, "bench")
	var revoked []*x509.Certificate
	for range 1000 {
		revoked = append(revoked, pki.Issue(t, testkit.LeafSpec{CN: "r", EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}).Leaf)
	}
	src := &crlSource{}
	src.publish(pki.CRL(t, time.Hour, revoked...))
	checker := &CRLChecker{Fetch: src.fetch, Issuers: []*x509.Certificate{pki.Inter}}
	if err := checker.Update(b.Context()); err != nil {
		b.Fatal(err)
	}
	ccfg, err := ClientTLS{Identity: NewIdentity(client.Cert), RootCAs: pki.Pool, ServerName: testkit.ServerName}.Config()
	if err != nil {
		b.Fatal(err)
	}
	handshakes := func(rev RevocationChecker) func(n int) error {
		scfg, err := ServerTLS{Identity: NewIdentity(server.Cert), ClientCAs: pki.Pool, Revocation: rev}.Config()
		if err != nil {
			b.Fatal(err)
		}
		scfg.SessionTicketsDisabled = true // full handshakes only, no post-handshake writes
		return func(n int) error {
			for range n {
				cc, sc := net.Pipe()
				errc := make(chan error, 1)
				go func() { errc <- tls.Server(sc, scfg).Handshake() }()
				cerr := tls.Client(cc, ccfg).Handshake()
				serr := <-errc
				cc.Close()
				sc.Close()
				if cerr != nil || serr != nil {
					return fmt.Errorf("handshake: client %v, server %v", cerr, serr)
				}
			}
			return nil
		}
	}
	benchalt.Bench(b, b.N, handshakes(checker), handshakes(nil))
}

// BenchmarkCRLCheck is the hot-path cost alone: one Check against a CRL of
// 1000 entries (an atomic load and two map lookups, no parsing).
func BenchmarkCRLCheck(b *testing.B) {
	pki := testkit.NewPKI(b, "Bench")
	leaf := pki.Client(b, "bench").Leaf
	var revoked []*x509.Certificate
	for range 1000 {
		revoked = append(revoked, pki.Issue(b, testkit.LeafSpec{CN: "r"}).Leaf)
	}
	src := &crlSource{}
	src.publish(pki.CRL(b, time.Hour, revoked...))
	checker := &CRLChecker{Fetch: src.fetch, Issuers: []*x509.Certificate{pki.Inter}}
	if err := checker.Update(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := checker.Check(leaf); err != nil {
			b.Fatal(err)
		}
	}
}
