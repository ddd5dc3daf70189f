package store

import (
	"encoding/binary"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/localca/localca/internal/benchalt"
	"github.com/localca/localca/internal/etcdtest"
)

// BenchmarkEtcdBatchPrefetch commits certificates (the typed store's
// Commit, group commit) from 1, 64 and 256 callers on a three-member etcd
// cluster on loopback, alternately (internal/benchalt) with and without
// the batch's prefetch: the baseline reads each key of each record on its
// own, as Batch did before. ns/op is the prefetching side's median time
// for the round; the ratio below 1 is the speed-up.
func BenchmarkEtcdBatchPrefetch(b *testing.B) {
	cl := etcdtest.Start(b, 3)
	ca := newTestCA(b, "Root")
	k := newTestKey(b)
	template := ca.issue(b, k, testNow.AddDate(0, 3, 0), "bench.test")
	open := func(prefix string, noPrefetch bool) *Store {
		s, err := OpenURL(cl.URL(prefix), &Options{Now: func() time.Time { return testNow }}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		s.b.(*EtcdBackend).noPrefetch = noPrefetch
		return s
	}
	with, without := open("prefetch", false), open("perkey", true)
	var n atomic.Uint64
	commit := func(s *Store) func(int) error {
		return func(int) error {
			c := *template
			c.Serial = binary.BigEndian.AppendUint64([]byte{0x01}, n.Add(1))
			return s.Commit(Record{Cert: &c})
		}
	}
	for _, callers := range []int{1, 64, 256} {
		b.Run(strconv.Itoa(callers), func(b *testing.B) {
			benchalt.Bench(b, max(b.N, callers),
				func(m int) error { return benchalt.Parallel(callers, m, commit(with)) },
				func(m int) error { return benchalt.Parallel(callers, m, commit(without)) })
		})
	}
}
