// Package issuebench measures issuance on the machine it runs on, for
// `localca bench`: the whole path through ca.Issue (key, CSR, policy,
// signature, commit) into a store that syncs every commit to disk, against
// the same path into a store that does not. The two run alternately (package
// internal/benchalt), so that other load on the machine falls on both, and
// each row reports the median of the pairs' throughput ratios with their
// minimum and maximum: what durability costs, and how much group commit wins
// back when many callers share one fsync.
package issuebench

import (
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/benchalt"
	"github.com/localca/localca/store"
)

// Options says what to measure. The zero value of a field takes its default.
type Options struct {
	KeyType string // CA and leaf key type, as ca.ParseKeyType reads it
	Callers int    // concurrent callers
	Count   int    // certificates per side over the whole row (default 2100)
	Pairs   int    // alternations (default benchalt.DefaultPairs, at least benchalt.MinPairs)
	Dir     string // where the two stores are made (removed after); "" is the system's temporary folder
}

// Row is one measured row.
type Row struct {
	KeyType  string  `json:"key_type"`
	Callers  int     `json:"callers"`
	Pairs    int     `json:"pairs"`
	PerPair  int     `json:"certificates_per_side_per_pair"`
	Durable  float64 `json:"durable_per_second"` // median over the pairs
	NoSync   float64 `json:"nosync_per_second"`  // median over the pairs
	Ratio    float64 `json:"ratio"`              // median of the pairs' durable/nosync throughput ratios
	RatioMin float64 `json:"ratio_min"`
	RatioMax float64 `json:"ratio_max"`
	Issued   int     `json:"certificates_per_side"`
}

// Run issues certificates into two new stores, one durable and one without
// fsync, alternately: per pair, Count/Pairs certificates (at least four per
// caller) into the durable store, then as many into the other.
func Run(o Options) (Row, error) {
	if o.Callers < 1 {
		return Row{}, fmt.Errorf("issuebench: %d callers: %w", o.Callers, ErrCallers)
	}
	if _, err := ca.ParseKeyType(o.KeyType); err != nil {
		return Row{}, fmt.Errorf("issuebench: %w", err)
	}
	if o.Count == 0 {
		o.Count = 2100
	}
	if o.Pairs == 0 {
		o.Pairs = benchalt.DefaultPairs
	}
	per := max(o.Count/o.Pairs, 4*o.Callers, 1)
	dir, err := os.MkdirTemp(o.Dir, "localca-bench-")
	if err != nil {
		return Row{}, err
	}
	defer os.RemoveAll(dir)
	durable, err := newIssuer(filepath.Join(dir, "sync.db"), o.KeyType, o.Callers, false)
	if err != nil {
		return Row{}, err
	}
	defer durable.close()
	nosync, err := newIssuer(filepath.Join(dir, "nosync.db"), o.KeyType, o.Callers, true)
	if err != nil {
		return Row{}, err
	}
	defer nosync.close()
	res, err := benchalt.Funcs(o.Pairs, per, durable.issue, nosync.issue)
	if err != nil {
		return Row{}, err
	}
	s := res.Speedup() // nosync's time over durable's: durable's throughput over nosync's
	return Row{
		KeyType: o.KeyType, Callers: o.Callers, Pairs: len(res.Pairs), PerPair: per,
		Durable: 1e9 / float64(res.MedianA()), NoSync: 1e9 / float64(res.MedianB()),
		Ratio: s.Median, RatioMin: s.Min, RatioMax: s.Max, Issued: per * (len(res.Pairs) + 1),
	}, nil
}

// issuer is one side: a CA in its own store and the callers that use it.
type issuer struct {
	st      *store.Store
	ca      *ca.CA
	keyType string
	callers int
	seq     atomic.Int64
}

func newIssuer(path, keyType string, callers int, noSync bool) (*issuer, error) {
	st, err := store.Open(path, &store.Options{NoSync: noSync})
	if err != nil {
		return nil, err
	}
	c, err := ca.Init(st, ca.InitOptions{KeyType: keyType}, ca.Options{})
	if err != nil {
		st.Close()
		return nil, err
	}
	return &issuer{st: st, ca: c, keyType: keyType, callers: callers}, nil
}

func (is *issuer) close() { is.st.Close() }

// issue issues n certificates from is.callers goroutines.
func (is *issuer) issue(n int) error {
	return benchalt.Parallel(is.callers, n, func(int) error {
		name := fmt.Sprintf("b%d.bench.test", is.seq.Add(1))
		_, err := is.ca.Issue(ca.IssueRequest{Names: []string{name}, KeyType: is.keyType})
		return err
	})
}
