package main

import (
	"fmt"
	"strconv"
	"time"
	"unicode"

	"github.com/urfave/cli/v2"
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
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return usagef("log takes no arguments")
			}
			if c.Int("n") < 0 {
				return usagef("-n must be 0 (all) or more")
			}
			events, err := e.caHome(c).Events(c.Int("n")) // closed before printing
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return e.printJSON(events)
			}
			for _, ev := range events {
				line := fmt.Sprintf("%6d  %s  %-13s %s", ev.Seq, ev.Time.Local().Format(time.DateTime), ev.Kind, printable(ev.Ref))
				if ev.Detail != "" {
					line += "  (" + printable(ev.Detail) + ")"
				}
				fmt.Fprintln(e.stdout, line)
			}
			return nil
		},
	}
}

// printable shows s as it is when every rune of it is graphic, and quoted
// with escapes otherwise: an event's detail can carry a CSR's subject,
// which whoever wrote the CSR chose, and a terminal must not run the
// escape sequences in it.
func printable(s string) string {
	for _, r := range s {
		if !unicode.IsGraphic(r) {
			return strconv.QuoteToGraphic(s)
		}
	}
	return s
}
