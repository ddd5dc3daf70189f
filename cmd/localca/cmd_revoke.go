package main

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

func (e *env) revokeCommand() *cli.Command {
	return &cli.Command{
		Name:      "revoke",
		Usage:     "revoke a certificate, a key (compromised) or a CSR",
		ArgsUsage: "SERIAL",
		UsageText: `localca revoke 3af2c1... --reason superseded
   localca revoke --key api-key.pem          # or the key's SHA-256 fingerprint
   localca revoke --csr api.csr              # or the CSR's id`,
		Description: `A revoked certificate is on the next CRL and OCSP answers "revoked" for it.
Reasons are RFC 5280's: ` + strings.Join(ca.ReasonNames(), ", ") + `.
Without --reason none is written (never certificateHold: a revocation is final).

--key marks the key compromised: every certificate that carries it is revoked
with keyCompromise, and any later CSR or certificate for it is refused.
FILE may be the private key, its public key, a certificate or a CSR.

--csr rejects the CSR: signing it later is refused.

The revocation is committed to the store before this command reports it.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "reason", Usage: "RFC 5280 reason (keyCompromise, superseded, cessationOfOperation, affiliationChanged, ...)"},
			&cli.StringFlag{Name: "key", Usage: "revoke a key: a key, certificate or CSR file, or the key's SHA-256 fingerprint"},
			&cli.StringFlag{Name: "csr", Usage: "reject a CSR: the CSR file or its id"},
			jsonFlag(),
		},
		Action: func(c *cli.Context) error {
			n := c.Args().Len()
			modes := 0
			for _, set := range []bool{n > 0, c.IsSet("key"), c.IsSet("csr")} {
				if set {
					modes++
				}
			}
			switch {
			case modes != 1:
				return usagef("give exactly one of SERIAL, --key or --csr")
			case n > 1:
				return usagef("revoke takes one serial, got %d", n)
			case c.IsSet("reason") && n == 0:
				return usagef("--reason is for certificates; a revoked key is always keyCompromise")
			}
			reason, err := ca.ParseReason(c.String("reason"))
			if err != nil {
				return usageError{err}
			}
			var serial []byte
			if n == 1 {
				if serial, err = ca.ParseSerial(c.Args().First()); err != nil {
					return usageError{err}
				}
			}
			authority, err := e.openCA(c, ca.Access{Hold: true})
			if err != nil {
				return err
			}
			defer authority.Close()
			switch {
			case c.IsSet("key"):
				return e.revokeKey(c, authority, c.String("key"))
			case c.IsSet("csr"):
				return e.rejectCSR(c, authority, c.String("csr"))
			}
			r, inter, err := authority.RevokeSerial(serial, reason)
			if err != nil {
				return err
			}
			return e.printNote(c, ca.SerialRevocation{Revoked: r, Intermediate: inter, Asked: serial})
		},
	}
}

func (e *env) revokeKey(c *cli.Context, authority *ca.CA, ref string) error {
	certs, err := authority.RevokeKeyRef(ref)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	return e.printNote(c, ca.KeyRevocationOf(certs))
}

func (e *env) rejectCSR(c *cli.Context, authority *ca.CA, ref string) error {
	id, err := authority.RejectCSRRef(ref)
	if err != nil {
		return fmt.Errorf("--csr: %w", err)
	}
	return e.printNote(c, ca.CSRRejection{CSR: hex.EncodeToString(id)})
}
