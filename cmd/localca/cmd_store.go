package main

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/localca/localca/ca"
	"github.com/urfave/cli/v2"
)

// storeCommand looks at and migrates the store file itself: `store status`
// (engine, size, bytes in use, records by kind, schema) and `store
// migrate` (schema 2 to 3, a backup first). The logic is in ca and store.
func (e *env) storeCommand() *cli.Command {
	path := func(c *cli.Context) (string, error) {
		h, err := e.caHome(c).Path()
		return filepath.Join(h, "localca.db"), err
	}
	return &cli.Command{
		Name:  "store",
		Usage: "the store file: its status, and migrating it to this localca's schema",
		Subcommands: []*cli.Command{
			e.storeCopyCommand(),
			e.storeSealCommand(),
			{
				Name: "status", Usage: "engine, file size, bytes in use, records by kind, schema",
				UsageText: "localca store status [--json]", Flags: []cli.Flag{jsonFlag()},
				Action: func(c *cli.Context) error {
					loc, err := e.caHome(c).Location()
					if err != nil {
						return err
					}
					st, err := ca.StoreStatusAt(loc, 2*time.Second)
					if err != nil {
						return err
					}
					if c.Bool("json") {
						return e.printJSON(st)
					}
					if loc.IsEtcd() {
						fmt.Fprintf(e.stdout, "engine   etcd (%s)\nschema   %d\nrevision %d\ndatabase %d bytes (%d in use, the whole cluster's)\nmembers\n",
							printable(st.Where), st.Schema, st.Revision, st.Size, st.InUse)
						for _, m := range st.Members {
							fmt.Fprintf(e.stdout, "  %s\n", printable(m))
						}
					} else {
						fmt.Fprintf(e.stdout, "engine   %s (%s)\nschema   %d\nfile     %d bytes\nin use   %d bytes (pages in use x %d-byte pages)\n",
							st.Engine, printable(st.Where), st.Schema, st.Size, st.InUse, st.PageSize)
					}
					kinds := slices.Sorted(maps.Keys(st.Records))
					for _, k := range kinds {
						fmt.Fprintf(e.stdout, "  %-16s %d\n", k, st.Records[k])
					}
					return nil
				},
			},
			{
				Name: "migrate", Usage: "move an older store to this localca's schema (a backup first)",
				UsageText: "localca store migrate [--json]   # prints the backup's name", Flags: []cli.Flag{jsonFlag()},
				Action: func(c *cli.Context) error {
					p, err := path(c)
					if err != nil {
						return err
					}
					tenth := -1
					rep, err := ca.MigrateStore(p, 2*time.Second, func(done, total int) {
						if t := done * 10 / max(total, 1); t != tenth {
							tenth = t
							fmt.Fprintf(e.stderr, "migrated %d of %d certificates\n", done, total)
						}
					})
					if err != nil {
						return err
					}
					if c.Bool("json") {
						return e.printJSON(rep)
					}
					fmt.Fprintln(e.stdout, printable(rep.String()))
					return nil
				},
			},
		},
	}
}
