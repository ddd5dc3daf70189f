package main

import (
	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

// logCommand prints the store's event log: every key, CSR and certificate
// recorded, every revocation, rejection, CRL and CA change, written in the
// same transaction as the change it describes, so the log never disagrees
// with the records. It is the answer to "what did this CA do, and when".
func (e *env) logCommand() *cli.Command {
	return &cli.Command{
		Name:  "log",
		Usage: "show the store's event log (what was issued, revoked, rejected, and when)",
		UsageText: `localca log                 # the last 20 events, oldest first
   localca log -n 0 --json     # every event, for a script`,
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "n", Value: 20, Usage: "show the last `N` events; 0 shows all"},
			jsonFlag(),
		},
		Action: withArgs(0, "log takes no arguments", func(c *cli.Context) error {
			if c.Int("n") < 0 {
				return usagef("-n must be 0 (all) or more")
			}
			events, err := e.caHome(c).Events(c.Int("n")) // closed before printing
			if err != nil {
				return err
			}
			return printAs(e, c, events, ca.WriteEvents)
		}),
	}
}
