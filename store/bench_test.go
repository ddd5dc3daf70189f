package store

import (
	"encoding/binary"
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

// BenchmarkCommitParallel commits from 64 goroutines with fsync on: group
// commit lets them share transactions, so the cost per certificate falls
// towards the nosync figure of BenchmarkCommit.
func BenchmarkCommitParallel(b *testing.B) {
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
			b.SetParallelism(64)
			var n atomic.Uint64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c := *template
					c.Serial = binary.BigEndian.AppendUint64([]byte{0x01}, n.Add(1))
					if err := s.Commit(Record{Cert: &c}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
