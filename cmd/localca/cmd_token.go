package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

func (e *env) tokenCommand() *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "tokens for `localca serve`: /sign and /revoke (one-time), pages (read)",
		Subcommands: []*cli.Command{{
			Name:  "create",
			Usage: "make a token and print it (once)",
			UsageText: `TOKEN=$(localca token create --name ci --allow api.test --allow '*.dev.test' --ttl 30m)
   curl --cacert root.pem -H "Authorization: Bearer $TOKEN" --data-binary @api.csr https://127.0.0.1:8443/sign
   localca token create --name ops --for revoke --allow api.test
   localca token create --name dashboard --for read --ttl 24h`,
			Description: `The token is printed once, on stdout. The store keeps only its SHA-256.
--for sign (the default) signs, once, CSRs whose names all match --allow;
--for revoke revokes, once, a certificate whose names all match --allow
(never serve's own TLS certificate or an OCSP responder's); --for read reads
pages and listings until it expires. Patterns: a name or IP, '*.dev.test'
(any name under dev.test), 'spiffe://dev.test/*' (a URI prefix), or '*' (any
name the policy allows). A refused request does not spend the token.`,
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "name", Usage: "who or what the token is for (shown in the server's log)", Required: true},
				&cli.StringFlag{Name: "for", Aliases: []string{"endpoint"}, Value: ca.TokenSign, Usage: strings.Join(ca.TokenPurposes(), ", ")},
				&cli.StringSliceFlag{Name: "allow", Aliases: []string{"san"}, Usage: "a name pattern the token may sign or revoke (repeat; required for sign and revoke)"},
				&cli.DurationFlag{Name: "ttl", Value: ca.DefaultTokenTTL, Usage: fmt.Sprintf("lifetime, at most %s", ca.MaxTokenTTL)},
				jsonFlag(),
			},
			Action: func(c *cli.Context) error {
				if c.Duration("ttl") <= 0 || c.Duration("ttl") > ca.MaxTokenTTL {
					return usagef("--ttl must be between 1s and %s", ca.MaxTokenTTL)
				}
				req := ca.TokenRequest{Name: c.String("name"), For: c.String("for"), Allow: c.StringSlice("allow"), TTL: c.Duration("ttl")}
				if req.For != ca.TokenRead && len(req.Allow) == 0 {
					return usagef("a %s token needs --allow PATTERN (the names it may %s; '*' for any the policy allows)", req.For, req.For)
				}
				authority, err := e.openCA(c, ca.Access{Hold: true})
				if err != nil {
					return err
				}
				secret, t, err := authority.CreateToken(req)
				authority.Close() // print with the store closed: a paused reader of stdout blocks no one
				if err != nil {
					return usageError{err}
				}
				return e.printNoted(c, ca.TokenReportOf(secret, t))
			},
		}},
	}
}
