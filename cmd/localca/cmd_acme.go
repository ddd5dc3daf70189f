package main

import (
	"io"
	"time"

	"github.com/localca/localca/ca/acme"
	"github.com/urfave/cli/v2"
)

func (e *env) acmeCommand() *cli.Command {
	return &cli.Command{
		Name:  "acme",
		Usage: "the ACME server's accounts, orders and external account binding keys",
		Description: `   localca acme eab create --name ci --allow '*.ci.test' --allow ci.test
   localca serve --acme --acme-require-eab
   localca acme accounts --json
   localca acme orders`,
		Subcommands: []*cli.Command{
			{
				Name: "eab", Usage: "external account binding keys",
				Subcommands: []*cli.Command{{
					Name: "create", Usage: "make a key id and HMAC key; its account may order only names matching --allow",
					UsageText: "localca acme eab create --name N --allow PATTERN [--allow PATTERN]... [--json]",
					Flags: []cli.Flag{
						&cli.StringFlag{Name: "name", Required: true, Usage: "who the key is for"},
						&cli.StringSliceFlag{Name: "allow", Required: true, Usage: "a name pattern as in the policy file (host.test, *.dev.test, .test, 10.0.0.0/8)"},
						passwordFileFlag(),
						jsonFlag(),
					},
					Action: e.acmeEABCreate,
				}},
			},
			{Name: "accounts", Usage: "list ACME accounts", UsageText: "localca acme accounts [--json]", Flags: []cli.Flag{jsonFlag()}, Action: e.acmeAccounts},
			{Name: "orders", Usage: "list ACME orders", UsageText: "localca acme orders [--json]", Flags: []cli.Flag{jsonFlag()}, Action: e.acmeOrders},
		},
	}
}

func (e *env) acmeEABCreate(c *cli.Context) error {
	open, err := e.caHome(c).Opener(false)
	if err != nil {
		return err
	}
	k, err := acme.CreateEAB(acme.SealedOpenerStorage(open, e.secrets(c)), c.String("name"), c.StringSlice("allow"), time.Now())
	if err != nil {
		return err
	}
	return e.printNoted(c, k.Report())
}

func (e *env) acmeAccounts(c *cli.Context) error {
	return acmeList(e, c, acme.Accounts, acme.WriteAccounts)
}

func (e *env) acmeOrders(c *cli.Context) error {
	orders := func(st acme.Storage) ([]acme.Order, error) { return acme.Orders(st, time.Now()) }
	return acmeList(e, c, orders, acme.WriteOrders)
}

// acmeList prints what list reads from the store (closed by then): a JSON
// array (empty, not null, when there is nothing), or write's table.
func acmeList[T any](e *env, c *cli.Context, list func(acme.Storage) ([]T, error), write func(io.Writer, []T) error) error {
	open, err := e.caHome(c).Opener(true)
	if err != nil {
		return err
	}
	items, err := list(acme.OpenerStorage(open))
	if err != nil {
		return err
	}
	if items == nil {
		items = []T{} // JSON's [], not null
	}
	return printAs(e, c, items, write)
}
