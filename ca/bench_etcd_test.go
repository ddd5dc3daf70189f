package ca

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/localca/localca/internal/benchalt"
	"github.com/localca/localca/internal/etcdtest"
	"github.com/localca/localca/store"
)

// BenchmarkIssuanceEtcd measures durable issuance (CA.Sign, ECDSA P-256)
// on a CA kept in a three-member etcd cluster on loopback, with 1, 64 and
// 256 concurrent callers, alternately (internal/benchalt) against:
//
//	vs-bbolt    the same on a bbolt file, fsync on: what a user has
//	            without etcd
//	vs-nostore  the pipeline without a store (issueNoStore): what
//	            signing costs, so that ratio - 1 is what etcd adds
//
// ns/op is etcd's median time per certificate; 1/ratio is its throughput
// over the baseline's (scripts/bench.sh prints it so).
func BenchmarkIssuanceEtcd(b *testing.B) {
	cl := etcdtest.Start(b, 3)
	password := []byte("bench password")
	st, err := store.OpenURL(cl.URL("bench"), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	etcdCA, err := Init(st, InitOptions{Password: password}, Options{Password: func() ([]byte, error) { return password, nil }})
	if err != nil {
		b.Fatal(err)
	}
	if err := etcdCA.Unlock(); err != nil {
		b.Fatal(err)
	}
	bst, err := store.Open(filepath.Join(b.TempDir(), "localca.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { bst.Close() })
	boltCA, err := Init(bst, InitOptions{}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	csr := benchCSR(b, "ecdsa-p256")
	sides := map[string]func(int) error{
		"vs-bbolt":   func(int) error { _, err := boltCA.Sign(csr, SignOptions{}); return err },
		"vs-nostore": func(int) error { return issueNoStore(etcdCA, csr) },
	}
	onEtcd := func(int) error { _, err := etcdCA.Sign(csr, SignOptions{}); return err }
	for _, name := range []string{"vs-bbolt", "vs-nostore"} {
		b.Run(name, func(b *testing.B) {
			for _, callers := range []int{1, 64, 256} {
				b.Run(strconv.Itoa(callers), func(b *testing.B) {
					benchalt.Bench(b, max(b.N, callers),
						func(n int) error { return benchalt.Parallel(callers, n, onEtcd) },
						func(n int) error { return benchalt.Parallel(callers, n, sides[name]) })
				})
			}
		})
	}
}
