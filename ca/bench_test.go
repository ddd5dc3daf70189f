package ca

import (
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/localca/localca/internal/benchalt"
	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
)

// These benchmarks live inside package ca because their baseline is the
// CA's own issuance path with the commit taken out: the same calls that
// issue makes, in the same order, minus the store. Nothing in the package
// exists only for them.

// BenchmarkIssuance measures a CA's hot path — parse a CSR and check its
// signature, apply the policy, sign, commit — for each CA key type, with one
// caller and with 64 and 256 concurrent callers, against its baseline:
//
//	store    CA.Sign, committing every certificate durably (fsync on)
//	nostore  the pipeline without the store (what signing costs)
//
// The two run alternately (internal/benchalt: 21 pairs of b.N
// certificates each), so load on the machine falls on both; ns/op is the
// store's median, base-ns/op the baseline's, and ratio (with ratio-min and
// ratio-max) the median of the pairs' store/nostore time ratios. Its
// inverse is durable throughput over the baseline's, what scripts/bench.sh
// prints: what durability costs, and what group commit (store package)
// wins back.
//
// The rows named by their callers alone are the sustained rate: each side's
// batch holds at least 16 certificates per caller, so that callers come
// back for more while groups commit, as a server's clients do. The burst-N
// rows hold as few as one per caller: N requests at once and nothing after,
// whose time is mostly the pipeline filling and the last group's sync.
func BenchmarkIssuance(b *testing.B) {
	for _, keyType := range []string{"ecdsa-p256", "ed25519", "rsa-2048"} {
		b.Run(keyType, func(b *testing.B) {
			c := benchCA(b, keyType, false)
			csr := benchCSR(b, keyType)
			durable := func(int) error { _, err := c.Sign(csr, SignOptions{}); return err }
			bare := func(int) error { return issueNoStore(c, csr) }
			for _, row := range []struct {
				name             string
				callers, perCall int
			}{
				{"1", 1, 16}, {"64", 64, 16}, {"256", 256, 16},
				{"burst-64", 64, 1}, {"burst-256", 256, 1},
			} {
				b.Run(row.name, func(b *testing.B) {
					benchalt.Bench(b, max(b.N, row.callers*row.perCall),
						func(n int) error { return benchalt.Parallel(row.callers, n, durable) },
						func(n int) error { return benchalt.Parallel(row.callers, n, bare) })
				})
			}
		})
	}
}

// issueNoStore is issue without the store: ParseCSR (which checks the CSR's
// signature), the CSR's fingerprints, the policy, the template, the signature
// (crypto/x509 checks the signature it makes), and the parse of the result.
func issueNoStore(c *CA, csrPEM []byte) error {
	csr, err := ParseCSR(csrPEM)
	if err != nil {
		return err
	}
	rec, _, err := csrRecord(csr)
	if err != nil {
		return err
	}
	d, err := c.opts.Policy.Check(policies.RequestFromCSR(csr, ""))
	if err != nil {
		return err
	}
	_, signer, err := c.signers()
	if err != nil {
		return err
	}
	now := c.opts.Now().UTC().Truncate(time.Second)
	der, err := c.createCert(c.leafTemplate(d, now, c.interCert.NotAfter), c.interCert, csr.PublicKey, signer)
	if err != nil {
		return err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	_ = &store.Cert{Serial: cert.SerialNumber.Bytes(), DER: der, IssuerID: c.inter.ID,
		KeyFingerprint: rec.KeyFingerprint, CSRID: rec.ID, Profile: d.Profile,
		Names: names(cert.DNSNames, cert.IPAddresses, cert.EmailAddresses, cert.URIs), NotAfter: cert.NotAfter}
	return nil
}

// BenchmarkCRL100k makes the intermediate's CRL over a store holding 100,000
// revoked, unexpired certificates. The store is filled without fsync, in
// large transactions, then opened again as the CLI opens it (fsync on: the
// CRL number's increment is committed before the CRL is signed).
func BenchmarkCRL100k(b *testing.B) {
	const revoked = 100_000
	c := benchCA(b, "ecdsa-p256", true)
	leaf, err := c.Sign(benchCSR(b, "ecdsa-p256"), SignOptions{})
	if err != nil {
		b.Fatal(err)
	}
	rs := make([]store.Record, revoked)
	at := time.Now().UTC().Truncate(time.Second)
	for i := range rs {
		rs[i] = store.Record{Cert: &store.Cert{
			Serial: binary.BigEndian.AppendUint64([]byte{0x42, 0, 0, 0, 0, 0, 0, 0}, uint64(i)),
			DER:    leaf.Cert.Raw, IssuerID: c.IntermediateID(), Names: []string{"crl.bench.test"},
			NotAfter: leaf.Cert.NotAfter, Status: store.CertRevoked, RevokedAt: at, Reason: 1,
		}}
	}
	for i, err := range c.Store().CommitAll(rs) {
		if err != nil {
			b.Fatalf("record %d: %v", i, err)
		}
	}
	path := c.Store().Path()
	if err := c.Store().Close(); err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	c, err = Load(st, Options{})
	if err != nil {
		b.Fatal(err)
	}
	var entries, size int
	for b.Loop() {
		crl, err := c.CRL(CRLOptions{})
		if err != nil {
			b.Fatal(err)
		}
		entries, size = crl.Entries, len(crl.DER)
	}
	if entries < revoked {
		b.Fatalf("CRL lists %d entries, want at least %d", entries, revoked)
	}
	b.ReportMetric(float64(entries), "entries")
	b.ReportMetric(float64(size), "crl-bytes")
}

// benchCA initialises an unencrypted CA of keyType in a new store on disk.
func benchCA(b *testing.B, keyType string, noSync bool) *CA {
	b.Helper()
	st, err := store.Open(filepath.Join(b.TempDir(), "localca.db"), &store.Options{NoSync: noSync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	c, err := Init(st, InitOptions{KeyType: keyType}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// benchCSR is a CSR for bench.localca.test with a new key of keyType.
func benchCSR(b *testing.B, keyType string) []byte {
	b.Helper()
	spec, err := ParseKeyType(keyType)
	if err != nil {
		b.Fatal(err)
	}
	key, err := spec.Generate()
	if err != nil {
		b.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(nil, &x509.CertificateRequest{DNSNames: []string{"bench.localca.test"}}, key)
	if err != nil {
		b.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// BenchmarkStoreGrowth measures what a store grows by per `localca issue`:
// 1,000 certificates issued one at a time, each in its own commit as
// separate CLI processes make them, with the key record issue keeps beside
// each certificate (not its own CSR), and its event. The figures are:
//
//	bytes/issue   bytes in use (pages in use x page size) the store grew
//	              by, per issue
//	x-cert-der    that, over the certificate's DER
//	x-held-der    that, over all the DER an issue leaves in the store
//	              (certificate and the key's PKCS#8)
//
// BenchmarkScale in package store measures certificate records alone, built
// in large transactions, on a million of them.
func BenchmarkStoreGrowth(b *testing.B) {
	const n = 1000
	c := benchCA(b, "ecdsa-p256", true)
	before, err := c.Store().Status()
	if err != nil {
		b.Fatal(err)
	}
	var certDER, heldDER int
	for i := range n {
		iss, err := c.Issue(IssueRequest{Names: []string{"h" + strconv.Itoa(i) + ".localhost"}})
		if err != nil {
			b.Fatal(err)
		}
		if iss.Record.CSRID != nil {
			b.Fatal("issue kept its own CSR")
		}
		block, _ := pem.Decode(iss.KeyPEM)
		if block == nil {
			b.Fatal("issue returned no key PEM")
		}
		certDER += len(iss.Cert.Raw)
		heldDER += len(iss.Cert.Raw) + len(block.Bytes)
	}
	after, err := c.Store().Status()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
	}
	per := float64(after.InUse-before.InUse) / n
	// What the records themselves take, bbolt's 16-byte element header
	// included: the rest is what the pages leave empty.
	data := float64(after.Bytes-before.Bytes+16*int64(after.Keys-before.Keys)) / n
	b.ReportMetric(per, "bytes/issue")
	b.ReportMetric(data, "data-bytes/issue")
	for kind, k := range after.Records {
		b.Logf("%-10s %6d keys", kind, k-before.Records[kind])
	}
	b.ReportMetric(float64(certDER)/n, "cert-der-bytes")
	b.ReportMetric(per/(float64(certDER)/n), "x-cert-der")
	b.ReportMetric(per/(float64(heldDER)/n), "x-held-der")
}
