package store

import (
	"bytes"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/binary"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// scaleCerts is how many certificates BenchmarkScale stores: the
// LOCALCA_BENCH_CERTS environment variable, or a small default so that a
// plain `go test -bench .` stays quick. scripts/bench.sh sets 1,000,000.
func scaleCerts(b *testing.B) int {
	b.Helper()
	v := os.Getenv("LOCALCA_BENCH_CERTS")
	if v == "" {
		return 20_000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("LOCALCA_BENCH_CERTS=%q: want a positive number", v)
	}
	return n
}

// BenchmarkScale fills a store with LOCALCA_BENCH_CERTS certificates (random
// serials as the CA draws them, one name each, a key per 100, expiries spread
// over a year), then measures what a user waits for on a large store:
//
//	open           opening the file (the CLI does it once per command)
//	list-name      ListCerts by one name (`localca list --name`): an index read
//	list-expiring  ListCerts expiring within 720h (`localca list --expiring`),
//	               about a twelfth of the store, decoded
//	size           bytes per certificate (pages in use, and the file, which
//	               bbolt grows in large steps) beside the DER bytes it holds
//	               and the bytes of its records
//
// The store is built without fsync in large transactions; the build is not
// timed.
func BenchmarkScale(b *testing.B) {
	n := scaleCerts(b)
	// The issuer is named as localca names its intermediate, and the
	// leaves are real ones of distinct keys and names: a record codes its
	// DER against its issuer's certificate (dercode.go), so both shape
	// what a certificate costs.
	ca := newTestCASubject(b, pkix.Name{CommonName: "localca Root CA Intermediate",
		Organization: []string{"localca"}, OrganizationalUnit: []string{"root@vm"}})
	type leaf struct {
		c        *Cert
		serialAt int
	}
	pool := make([]leaf, 1000)
	derBytes := 0
	for i := range pool {
		// A serial of 16 octets with the top bit clear, as the CA's are,
		// so that each record's serial can be written over it.
		serial := new(big.Int).SetBytes(append([]byte{0x01}, make([]byte, 15)...))
		serial.Add(serial, big.NewInt(int64(i)))
		c := ca.issueSerial(b, nil, serial, testNow.AddDate(1, 0, 0), fmt.Sprintf("h%d.scale.test", i))
		pool[i] = leaf{c, bytes.Index(c.DER, c.Serial)}
		derBytes += len(c.DER)
	}
	path := filepath.Join(b.TempDir(), "localca.db")
	s, err := Open(path, &Options{NoSync: true, Now: func() time.Time { return testNow }})
	if err != nil {
		b.Fatal(err)
	}
	// The issuer is in the store, as the CA's intermediate always is.
	if err := s.InitCA(newTestCA(b, "Root").auth, ca.auth, false); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	const chunk = 10_000
	var fp []byte
	for i := 0; i < n; i += chunk {
		rs := make([]Record, min(chunk, n-i))
		for j := range rs {
			k := i + j
			if k%100 == 0 {
				fp = make([]byte, 32)
				rand.Read(fp)
			}
			l := pool[k%len(pool)]
			c := *l.c
			// As the CA draws them: milliseconds, then random bits, also
			// written into the DER (whose signature then fails, which
			// the store does not check), as the record would hold it.
			c.Serial = make([]byte, 16)
			binary.BigEndian.PutUint64(c.Serial, uint64(testNow.UnixMilli()+int64(k))<<16)
			rand.Read(c.Serial[6:])
			c.DER = bytes.Clone(l.c.DER)
			copy(c.DER[l.serialAt:], c.Serial)
			c.KeyFingerprint = fp
			c.CSRID = make([]byte, 32) // as sign stores it (issue keeps none): the larger record
			rand.Read(c.CSRID)
			c.Names = []string{fmt.Sprintf("h%d.scale.test", k)}
			c.NotAfter = testNow.Add(time.Duration(k%365) * 24 * time.Hour)
			rs[j] = Record{Cert: &c}
		}
		s.commitGroup(rs, make([]error, len(rs)))
	}
	b.Logf("built %d certificates in %s", n, time.Since(start).Round(time.Millisecond))
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	open := func() *Store {
		s, err := Open(path, &Options{Now: func() time.Time { return testNow }})
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	b.Run("open", func(b *testing.B) {
		for b.Loop() {
			open().Close()
		}
	})
	s = open()
	defer s.Close()
	if got, err := s.CountCerts(); err != nil || got != n {
		b.Fatalf("CountCerts = %d, %v; want %d (a record was refused while building)", got, err, n)
	}
	b.Run("list-name", func(b *testing.B) {
		i := 0
		for b.Loop() {
			name := fmt.Sprintf("h%d.scale.test", (i*7919)%n)
			i++
			got, err := s.ListCerts(Filter{Name: name})
			if err != nil || len(got) != 1 {
				b.Fatalf("ListCerts(%s) = %d, %v; want 1", name, len(got), err)
			}
		}
	})
	b.Run("list-expiring", func(b *testing.B) {
		var got []*Cert
		for b.Loop() {
			var err error
			if got, err = s.ListCerts(Filter{ExpiringWithin: 720 * time.Hour}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(got)), "certs")
	})
	b.Run("size", func(b *testing.B) {
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		st2, err := s.Status()
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
		}
		per := float64(st2.InUse) / float64(n)
		b.ReportMetric(per, "bytes/cert")
		// What the records themselves take, bbolt's 16-byte element header
		// included: the rest is what the pages leave empty.
		b.ReportMetric(float64(st2.Bytes+16*int64(st2.Keys))/float64(n), "data-bytes/cert")
		b.ReportMetric(float64(st.Size())/float64(n), "file-bytes/cert")
		der := float64(derBytes) / float64(len(pool))
		b.ReportMetric(der, "der-bytes/cert")
		b.ReportMetric(per/der, "x-der")
	})
}
