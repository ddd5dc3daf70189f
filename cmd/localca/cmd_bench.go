package main

import (
	"github.com/localca/localca/ca/issuebench"
	"github.com/urfave/cli/v2"
)

func (e *env) benchCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "measure issuance on this machine: durable (fsync) against the same path without fsync, alternately",
		UsageText: `localca bench                          # ecdsa-p256, ed25519, rsa-2048; 1 and 64 callers
   localca bench --key-type ecdsa-p256 --callers 1,8,64 --count 5000
   scripts/bench.sh                       # the whole suite (needs the Go toolchain and the source)`,
		Description: `Each row issues certificates through the whole path (key, CSR, policy,
signature, commit to a store in a temporary folder) into a store that syncs
every commit to disk and into one that does not, alternately: --pairs
times, --count/--pairs certificates on each side per pair (at least four
per caller). It reports each side's median rate and the median of the
pairs' ratios (durable over without fsync) with their minimum and maximum:
what durability costs, and how much group commit wins back when many
callers share one fsync. Nothing touches your own store.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "key-type", Value: "ecdsa-p256,ed25519,rsa-2048", Usage: "CA and leaf key types, comma-separated"},
			&cli.StringFlag{Name: "callers", Value: "1,64", Usage: "concurrent callers, comma-separated"},
			&cli.IntFlag{Name: "count", Value: 2100, Usage: "certificates per side per row, over all pairs"},
			&cli.IntFlag{Name: "pairs", Value: 21, Usage: "alternations per row (at least 20)"},
			jsonFlag(),
		},
		Action: e.bench,
	}
}

func (e *env) bench(c *cli.Context) error {
	callers, err := issuebench.ParseCallers(c.String("callers"))
	if err != nil {
		return usagef("--callers %v", err)
	}
	types, err := issuebench.ParseKeyTypes(c.String("key-type"))
	if err != nil {
		return usageError{err}
	}
	if c.Int("count") < 1 {
		return usagef("--count must be positive")
	}
	if c.Int("pairs") < 20 {
		return usagef("--pairs %d: want at least 20", c.Int("pairs"))
	}
	table := issuebench.Table{KeyTypes: types, Callers: callers, Count: c.Int("count"), Pairs: c.Int("pairs")}
	rows, err := table.Run(func(o issuebench.Options) {
		e.note("bench: %s, %d caller(s), durable and without fsync alternately…", o.KeyType, o.Callers)
	})
	if err != nil {
		return err
	}
	return printAs(e, c, rows, issuebench.WriteTable)
}
