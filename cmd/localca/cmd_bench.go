package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
	"github.com/urfave/cli/v2"
)

func (e *env) benchCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "measure issuance on this machine: durable (fsync) against the same path without fsync",
		UsageText: `localca bench                          # ecdsa-p256, ed25519, rsa-2048; 1 and 64 callers
   localca bench --key-type ecdsa-p256 --callers 1,8,64 --count 5000
   scripts/bench.sh                       # the whole suite (needs the Go toolchain and the source)`,
		Description: `Each row issues --count certificates through the whole path (key, CSR,
policy, signature, commit to a store in a temporary folder) and reports
certificates per second with the store syncing every commit to disk, beside
the same run with fsync off: the ratio is what durability costs, and how much
group commit wins back when many callers share one fsync. Nothing touches
your own store.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "key-type", Value: "ecdsa-p256,ed25519,rsa-2048", Usage: "CA and leaf key types, comma-separated"},
			&cli.StringFlag{Name: "callers", Value: "1,64", Usage: "concurrent callers, comma-separated"},
			&cli.IntFlag{Name: "count", Value: 2000, Usage: "certificates per row"},
			jsonFlag(),
		},
		Action: e.bench,
	}
}

type benchRow struct {
	KeyType  string  `json:"key_type"`
	Callers  int     `json:"callers"`
	Durable  float64 `json:"durable_per_second"`
	NoSync   float64 `json:"nosync_per_second"`
	Ratio    float64 `json:"ratio"`
	Count    int     `json:"count"`
	Duration string  `json:"durable_duration"`
}

func (e *env) bench(c *cli.Context) error {
	var callers []int
	for _, s := range strings.Split(c.String("callers"), ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 1024 {
			return usagef("--callers %q: want numbers from 1 to 1024", s)
		}
		callers = append(callers, n)
	}
	types := strings.Split(c.String("key-type"), ",")
	for _, t := range types {
		if _, err := ca.ParseKeyType(strings.TrimSpace(t)); err != nil {
			return usageError{err}
		}
	}
	if c.Int("count") < 1 {
		return usagef("--count must be positive")
	}
	dir, err := os.MkdirTemp("", "localca-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var rows []benchRow
	for _, kt := range types {
		kt = strings.TrimSpace(kt)
		for _, n := range callers {
			e.note("bench: %s, %d caller(s), %d certificates, durable then without fsync…", kt, n, c.Int("count"))
			durable, took, err := benchIssue(filepath.Join(dir, fmt.Sprintf("%s-%d-sync.db", kt, n)), kt, n, c.Int("count"), false)
			if err != nil {
				return err
			}
			nosync, _, err := benchIssue(filepath.Join(dir, fmt.Sprintf("%s-%d-nosync.db", kt, n)), kt, n, c.Int("count"), true)
			if err != nil {
				return err
			}
			rows = append(rows, benchRow{KeyType: kt, Callers: n, Durable: durable, NoSync: nosync, Ratio: durable / nosync, Count: c.Int("count"), Duration: took.Round(time.Millisecond).String()})
		}
	}
	if c.Bool("json") {
		return e.printJSON(rows)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "key type\tcallers\tdurable/s\twithout fsync/s\tratio\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.0f\t%.2f\t\n", r.KeyType, r.Callers, r.Durable, r.NoSync, r.Ratio)
	}
	return tw.Flush()
}

// benchIssue issues count certificates with n callers into a new store and
// returns certificates per second.
func benchIssue(path, keyType string, n, count int, noSync bool) (float64, time.Duration, error) {
	st, err := store.Open(path, &store.Options{NoSync: noSync})
	if err != nil {
		return 0, 0, err
	}
	defer st.Close()
	authority, err := ca.Init(st, ca.InitOptions{KeyType: keyType}, ca.Options{})
	if err != nil {
		return 0, 0, err
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := time.Now()
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > int64(count) {
					return
				}
				if _, err := authority.Issue(ca.IssueRequest{Names: []string{fmt.Sprintf("b%d.bench.test", i)}, KeyType: keyType}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, 0, err
	}
	return float64(count) / took.Seconds(), took, nil
}
