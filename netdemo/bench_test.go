package netdemo

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// BenchmarkMTLSHandshake measures full mTLS handshakes (no resumption) with
// and without the revocation check, against a CRL of 1000 entries, so the
// cost of checking is known. The check is a map lookup in memory, so the two
// should differ by a few percent at most:
//
//	go test -run XXX -bench MTLSHandshake -count 5 ./netdemo/ | benchstat -
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
	for _, bc := range []struct {
		name string
		rev  RevocationChecker
	}{{"no-revocation", nil}, {"crl", checker}} {
		b.Run(bc.name, func(b *testing.B) {
			scfg, err := ServerTLS{Identity: NewIdentity(server.Cert), ClientCAs: pki.Pool, Revocation: bc.rev}.Config()
			if err != nil {
				b.Fatal(err)
			}
			scfg.SessionTicketsDisabled = true // full handshakes only, no post-handshake writes
			b.ReportAllocs()
			for b.Loop() {
				cc, sc := net.Pipe()
				errc := make(chan error, 1)
				go func() { errc <- tls.Server(sc, scfg).Handshake() }()
				cerr := tls.Client(cc, ccfg).Handshake()
				serr := <-errc
				cc.Close()
				sc.Close()
				if cerr != nil || serr != nil {
					b.Fatalf("handshake: client %v, server %v", cerr, serr)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "handshakes/s")
		})
	}
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
