package store

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkCommitCPU compares the CPU time of one single-record commit
// (a transaction of its own, fsync off: what the commit computes, not
// what the disk waits) between schema 2's code path (a bucket per kind,
// legacy_test.go) and this one, ALTERNATELY in one run: 25 pairs of 300
// commits each, old then new, so that both see the same machine. Two
// records: a certificate alone, and what `localca issue` commits (schema 2:
// key, CSR and certificate, three events; now: key and certificate, one
// event). It reports the medians and the new/old ratio's median, min and
// max; -v logs every pair.
func BenchmarkCommitCPU(b *testing.B) {
	const pairs, per = 25, 300
	for _, shape := range []string{"cert", "issue"} {
		b.Run(shape, func(b *testing.B) {
			ca := newTestCA(b, "Root")
			tmpl := ca.issue(b, newTestKey(b), testNow.AddDate(0, 3, 0), "bench.localhost")
			keyPEM := placeholderKeyPEM(138) // the size of a PKCS#8 P-256 key; no key at all
			dir := b.TempDir()
			old := newLegacyStore(b, filepath.Join(dir, "old.db"))
			old.db.NoSync = true
			s, err := Open(filepath.Join(dir, "new.db"), &Options{NoSync: true})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if err := s.InitCA(old.root.auth, old.ca.auth, false); err != nil {
				b.Fatal(err)
			}
			var n uint64
			record := func() Record {
				n++
				c := *tmpl
				c.IssuerID = old.ca.auth.ID
				// The CA's form (ca.newSerial): 6 octets of milliseconds,
				// then 10 that differ between two certificates of one
				// millisecond (here a counter instead of random bits).
				c.Serial = binary.BigEndian.AppendUint64(nil, uint64(time.Now().UnixMilli())<<16|n&0xffff)
				c.Serial = binary.BigEndian.AppendUint64(c.Serial, n)
				c.Names = []string{fmt.Sprintf("h%d.bench.localhost", n)}
				r := Record{Cert: &c}
				if shape == "issue" {
					fp := binary.BigEndian.AppendUint64(make([]byte, 24), n*0x9e3779b97f4a7c15)
					c.KeyFingerprint = fp
					r.Key = &Key{Fingerprint: fp, Algorithm: "ecdsa", Size: 256, PEM: keyPEM}
					csrID := binary.BigEndian.AppendUint64(make([]byte, 24), n)
					r.CSR = &CSR{ID: csrID, DER: make([]byte, 236), Subject: "CN=" + c.Names[0], Names: c.Names, KeyFingerprint: fp}
				}
				return r
			}
			runOld := func() {
				for range per {
					r := record()
					if err := old.db.Update(func(tx *bolt.Tx) error { return old.commit(tx, r) }); err != nil {
						b.Fatal(err)
					}
				}
			}
			runNew := func() {
				for range per {
					r := record()
					r.CSR = nil // issue keeps no CSR of its own
					if err := s.Commit(r); err != nil {
						b.Fatal(err)
					}
				}
			}
			var olds, news, ratios []float64
			for range b.N {
				olds, news, ratios = nil, nil, nil
				runOld() // warm both up
				runNew()
				for p := range pairs {
					o := cpuPerOp(runOld, per)
					nw := cpuPerOp(runNew, per)
					olds, news, ratios = append(olds, o), append(news, nw), append(ratios, nw/o)
					b.Logf("pair %2d: schema 2 %6.1f us, schema 3 %6.1f us CPU per commit (%.2f)", p, o, nw, nw/o)
				}
			}
			b.ReportMetric(median(olds), "old-cpu-us/commit")
			b.ReportMetric(median(news), "new-cpu-us/commit")
			b.ReportMetric(median(ratios), "new/old-median")
			b.ReportMetric(slices.Min(ratios), "new/old-min")
			b.ReportMetric(slices.Max(ratios), "new/old-max")
		})
	}
}

// cpuPerOp runs fn and returns the process's CPU time (user and system,
// every thread: the garbage collector's share included) per op, in us.
func cpuPerOp(fn func(), ops int) float64 {
	before := cpuTime()
	fn()
	return float64(cpuTime()-before) / float64(time.Microsecond) / float64(ops)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
