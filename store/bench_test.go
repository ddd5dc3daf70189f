package store

import (
	"crypto/rand"
	"encoding/binary"
	"runtime"
	"sync/atomic"
	"testing"
)

// BenchmarkCommit stores one certificate per transaction, as the CA does,
// with fsync on (what users get) and with NoSync (the baseline): the gap
// between the two is the cost of "nothing acknowledged is ever lost".
func BenchmarkCommit(b *testing.B) {
	ca := newTestCA(b, "Root")
	k := newTestKey(b)
	template := ca.issue(b, k, testNow.AddDate(0, 3, 0), "bench.test")
	for _, bc := range []struct {
		name   string
		noSync bool
	}{
		{"fsync", false},
		{"nosync", true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := openTest(b, &Options{NoSync: bc.noSync})
			b.SetBytes(int64(len(template.DER)))
			b.ReportAllocs()
			var n uint64
			for b.Loop() {
				n++
				c := *template
				// The store does not parse the DER: a new serial per record
				// is all that makes it a new certificate.
				c.Serial = binary.BigEndian.AppendUint64([]byte{0x01}, n)
				if err := s.Commit(Record{Cert: &c}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCommitParallel commits from 64 goroutines: group commit lets them
// share transactions and fsyncs. Serials are either ordered (each new key
// lands on the last page of the serials index) or random, as the CA draws
// them: a random key dirties a page of the index per certificate, which is
// what most of a durable group's commit time goes to.
func BenchmarkCommitParallel(b *testing.B) {
	ca := newTestCA(b, "Root")
	k := newTestKey(b)
	template := ca.issue(b, k, testNow.AddDate(0, 3, 0), "bench.test")
	for _, sync := range []string{"fsync", "nosync"} {
		for _, serials := range []string{"ordered", "random"} {
			b.Run(sync+"/"+serials, func(b *testing.B) {
				s := openTest(b, &Options{NoSync: sync == "nosync"})
				b.SetBytes(int64(len(template.DER)))
				b.SetParallelism((64 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				var n atomic.Uint64
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						c := *template
						c.Serial = binary.BigEndian.AppendUint64([]byte{0x01}, n.Add(1))
						if serials == "random" {
							c.Serial = make([]byte, 16)
							rand.Read(c.Serial)
							c.Serial[0] = 0x01
						}
						if err := s.Commit(Record{Cert: &c}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		}
	}
}
