package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/logsafe"
)

// storeCopyCommand is `localca store copy`: every record from one store to
// another (a file into etcd, or back), verified, the source marked moved.
func (e *env) storeCopyCommand() *cli.Command {
	return &cli.Command{
		Name:  "copy",
		Usage: "copy every record to another store, verify it, and mark the source as moved",
		UsageText: "localca store copy --from ~/.local/share/localca/localca.db --to etcd://10.0.0.5:2379/ca \\\n" +
			"     --etcd-cacert etcd-ca.pem --etcd-cert client.pem --etcd-key client-key.pem\n" +
			"   The target must be empty; the source answers reads afterwards, and refuses every write naming the target.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "from", Usage: "the store to copy: a file or etcd://...", Required: true},
			&cli.StringFlag{Name: "to", Usage: "the empty store to fill: a file or etcd://...", Required: true},
			jsonFlag(),
		},
		Action: withArgs(0, "store copy takes no arguments", func(c *cli.Context) error {
			loc, err := e.caHome(c).Location()
			if err != nil {
				return err
			}
			from, to := loc, loc
			from.Where, to.Where = c.String("from"), c.String("to")
			last := 0
			rep, err := ca.CopyStore(c.Context, from, to, func(done int) {
				if done-last >= 10000 {
					last = done
					fmt.Fprintf(e.stderr, "copied %d records\n", done)
				}
			})
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return e.printJSON(rep)
			}
			fmt.Fprintf(e.stdout, "copied and verified %d records (digest %s)\n%s is marked as moved to %s: use --store %s from now on\n",
				rep.Records, rep.Digest, logsafe.Quote(from.Where), logsafe.Quote(to.Where), logsafe.Quote(to.Where))
			return nil
		}),
	}
}
