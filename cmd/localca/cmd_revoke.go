package main

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

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
			switch {
			case err != nil:
				return err
			case c.Bool("json"):
				return e.printJSON(r)
			case inter != "":
				e.note("revoked the intermediate %q (%x) at %s%s: the root's CRL (localca crl --root) lists it, and it signs nothing more; make a new CA with `localca init --force`",
					inter, serial, r.RevokedAt.Format(time.RFC3339), reasonSuffix(r.Reason))
			default:
				e.note("revoked %s at %s%s", r.Serial, r.RevokedAt.Format(time.RFC3339), reasonSuffix(r.Reason))
			}
			return nil
		},
	}
}

func reasonSuffix(name string) string {
	if name != "" {
		return " (" + name + ")"
	}
	return ""
}

func (e *env) revokeKey(c *cli.Context, authority *ca.CA, ref string) error {
	certs, err := authority.RevokeKeyRef(ref)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	if c.Bool("json") {
		out := []ca.Revoked{}
		for _, rc := range certs {
			out = append(out, ca.RevokedOf(rc))
		}
		return e.printJSON(map[string]any{"key_revoked": true, "certificates": out})
	}
	e.note("key marked compromised; %d certificate(s) revoked with keyCompromise", len(certs))
	for _, rc := range certs {
		e.note("  %s %s", rc.SerialHex(), strings.Join(rc.Names, ", "))
	}
	return nil
}

func (e *env) rejectCSR(c *cli.Context, authority *ca.CA, ref string) error {
	id, err := authority.RejectCSRRef(ref)
	if err != nil {
		return fmt.Errorf("--csr: %w", err)
	}
	if c.Bool("json") {
		return e.printJSON(map[string]any{"csr_rejected": hex.EncodeToString(id)})
	}
	e.note("CSR %x rejected: it will never be signed", id)
	return nil
}
