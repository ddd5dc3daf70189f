package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

func (e *env) tokenCommand() *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "one-time tokens for `localca serve` (/sign, /revoke)",
		Subcommands: []*cli.Command{{
			Name:  "create",
			Usage: "make a one-time token and print it (once)",
			UsageText: `TOKEN=$(localca token create --name ci-runner --ttl 30m)
   curl --cacert root.pem -H "Authorization: Bearer $TOKEN" --data-binary @api.csr https://127.0.0.1:8443/sign`,
			Description: `The token is printed once, on stdout. The store keeps only its SHA-256.
It authorises one request to /sign or /revoke and expires after --ttl.`,
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "name", Usage: "who or what the token is for (shown in the server's log)", Required: true},
				&cli.DurationFlag{Name: "ttl", Value: ca.DefaultTokenTTL, Usage: fmt.Sprintf("lifetime, at most %s", ca.MaxTokenTTL)},
				jsonFlag(),
			},
			Action: func(c *cli.Context) error {
				if c.Duration("ttl") <= 0 || c.Duration("ttl") > ca.MaxTokenTTL {
					return usagef("--ttl must be between 1s and %s", ca.MaxTokenTTL)
				}
				authority, st, err := e.loadCA(c, false)
				if err != nil {
					return err
				}
				defer st.Close()
				secret, t, err := authority.CreateToken(c.String("name"), c.Duration("ttl"))
				if err != nil {
					return err
				}
				if c.Bool("json") {
					return e.printJSON(map[string]any{"token": secret, "name": t.Name, "expires": t.Expires})
				}
				fmt.Fprintln(e.stdout, secret)
				e.note("token %q, single use, expires %s; it is not shown again", t.Name, t.Expires.Format(time.RFC3339))
				return nil
			},
		}},
	}
}
