package main

import (
	"errors"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

func (e *env) showCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "show a certificate by serial or from a file",
		UsageText: "localca show 3f2a…   |   localca show localhost.pem [--json]",
		Flags:     []cli.Flag{jsonFlag()},
		Action: withArgs(1, "show takes one SERIAL or FILE", func(c *cli.Context) error {
			// The store is closed before anything is printed, so a paused
			// reader of the output holds no lock.
			in, err := e.caHome(c).DescribeRef(c.Args().First(), time.Now())
			if errors.Is(err, ca.ErrBadRef) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			return e.print(c, in)
		}),
	}
}
