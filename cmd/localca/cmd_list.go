package main

import (
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
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
			case "", store.CertValid, store.CertRevoked, store.CertExpired:
			default:
				return usagef("--status %q: want valid, revoked or expired", c.String("status"))
			}
			now := time.Now()
			f := store.Filter{Status: c.String("status"), Name: c.String("name"), ExpiringWithin: c.Duration("expiring"), Now: now, Limit: c.Int("limit")}
			// Read, close, then print: a reader paused on a full pipe
			// (list | less) must not hold the store.
			var recs []*store.Cert
			err := e.withStore(c, true, func(st *store.Store) error {
				return st.ForEachCert(f, func(rec *store.Cert) error {
					if !skipFixture(c, rec.Profile) {
						recs = append(recs, rec)
					}
					return nil
				})
			})
			if err != nil {
				return err
			}
			if c.Bool("json") {
				out := make([]ca.CertInfo, 0, len(recs))
				for _, rec := range recs {
					cert, err := x509.ParseCertificate(rec.DER)
					if err != nil {
						return err
					}
					out = append(out, ca.Describe(cert, rec, now))
				}
				return e.printJSON(out)
			}
			tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SERIAL\tSTATUS\tPROFILE\tNOT AFTER\tNAMES")
			for _, rec := range recs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", rec.SerialHex(), rec.StatusAt(now), rec.Profile, rec.NotAfter.UTC().Format("2006-01-02 15:04"), strings.Join(quoteAll(rec.Names), ","))
			}
			if err := tw.Flush(); err != nil {
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
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return usagef("backup takes one FILE")
			}
			st, err := e.openStore(c, true)
			if err != nil {
				return err
			}
			defer st.Close()
			f, err := os.OpenFile(c.Args().First(), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("backup: %w", err)
			}
			n, err := st.Backup(f)
			if err == nil {
				err = f.Sync()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(c.Args().First())
				return err
			}
			e.note("wrote %d bytes to %s", n, c.Args().First())
			return nil
		},
	}
}

// withStore runs fn with this command's store open, and closes it before it
// returns: commands read what they need in fn and print after, so that a
// reader paused on a full pipe (`localca list --json | less`) holds no lock
// that other commands wait for.
func (e *env) withStore(c *cli.Context, readOnly bool, fn func(st *store.Store) error) error {
	st, err := e.openStore(c, readOnly)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}
