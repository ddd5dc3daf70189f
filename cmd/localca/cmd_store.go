package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/logsafe"
)

// storeCommand looks at and migrates the store file itself: `store status`
// (engine, size, bytes in use, records by kind, schema) and `store
// migrate` (an older schema to the current one, a backup first). The logic is
// in ca and store.
func (e *env) storeCommand() *cli.Command {
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
					return printAs(e, c, st, ca.WriteStoreStatus)
				},
			},
			{
				Name: "migrate", Usage: "move an older store to this localca's schema (a backup first)",
				UsageText: "localca store migrate [--json]   # prints the backup's name", Flags: []cli.Flag{jsonFlag()},
				Action: func(c *cli.Context) error {
					p, err := e.caHome(c).StoreFile()
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
					fmt.Fprintln(e.stdout, logsafe.Quote(rep.String()))
					return nil
				},
			},
		},
	}
}
