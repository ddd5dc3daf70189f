package main

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

func (e *env) listCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list issued certificates",
		UsageText: `localca list --status valid
   localca list --name api.test --json
   localca list --expiring 720h        # valid certificates that expire within 30 days`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "status", Usage: "valid, revoked or expired"},
			&cli.StringFlag{Name: "name", Usage: "only certificates carrying this exact name"},
			&cli.DurationFlag{Name: "expiring", Usage: "only valid certificates that expire within this duration (e.g. 720h)"},
			&cli.IntFlag{Name: "limit", Usage: "at most this many"},
			fixturesFlag(),
			jsonFlag(),
		},
		Action: func(c *cli.Context) error {
			switch c.String("status") {
			case "", ca.CertValid, ca.CertRevoked, ca.CertExpired:
			default:
				return usagef("--status %q: want valid, revoked or expired", c.String("status"))
			}
			now := time.Now()
			f := ca.CertFilter{Status: c.String("status"), Name: c.String("name"), ExpiringWithin: c.Duration("expiring"), Now: now, Limit: c.Int("limit")}
			// Read, close, then print: a reader paused on a full pipe
			// (list | less) must not hold the store.
			recs, err := e.caHome(c).Certificates(f, func(rec *ca.CertRecord) bool { return !skipFixture(c, rec.Profile) })
			if err != nil {
				return err
			}
			if c.Bool("json") {
				out, err := ca.DescribeRecords(recs, now)
				if err != nil {
					return err
				}
				return e.printJSON(out)
			}
			if err := ca.WriteCertTable(e.stdout, recs, now); err != nil {
				return err
			}
			e.note("%d certificate(s)", len(recs))
			return nil
		},
	}
}

func (e *env) backupCommand() *cli.Command {
	return &cli.Command{
		Name:      "backup",
		Usage:     "write a consistent copy of the store, even while it is in use",
		UsageText: "localca backup ~/localca-backup.db",
		Action: withArgs(1, "backup takes one FILE", func(c *cli.Context) error {
			n, err := e.caHome(c).Backup(c.Args().First())
			if err != nil {
				return err
			}
			e.note("wrote %d bytes to %s", n, c.Args().First())
			return nil
		}),
	}
}
