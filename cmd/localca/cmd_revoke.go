package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
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
			authority, st, err := e.loadCA(c, false)
			if err != nil {
				return err
			}
			defer st.Close()
			switch {
			case c.IsSet("key"):
				return e.revokeKey(c, authority, c.String("key"))
			case c.IsSet("csr"):
				return e.rejectCSR(c, authority, c.String("csr"))
			}
			rec, err := authority.RevokeCert(serial, reason)
			if errors.Is(err, store.ErrNotFound) {
				return e.revokeIntermediate(c, authority, serial, reason, err)
			}
			if err != nil {
				return err
			}
			if c.Bool("json") {
				return e.printJSON(revokedJSON(rec))
			}
			e.note("revoked %s at %s%s", rec.SerialHex(), rec.RevokedAt.Format(time.RFC3339), reasonSuffix(rec.Reason))
			return nil
		},
	}
}

func reasonSuffix(code int) string {
	if n := ca.ReasonName(code); n != "" {
		return " (" + n + ")"
	}
	return ""
}

type revokedCert struct {
	Serial    string    `json:"serial"`
	RevokedAt time.Time `json:"revoked_at"`
	Reason    string    `json:"reason,omitempty"`
	Names     []string  `json:"names,omitempty"`
}

func revokedJSON(rec *store.Cert) revokedCert {
	return revokedCert{Serial: rec.SerialHex(), RevokedAt: rec.RevokedAt, Reason: ca.ReasonName(rec.Reason), Names: rec.Names}
}

// isHexID reports whether s looks like a SHA-256 in hex (a fingerprint or a
// CSR id) rather than a file name.
func isHexID(s string) ([]byte, bool) {
	b, err := hex.DecodeString(strings.ReplaceAll(s, ":", ""))
	return b, err == nil && len(b) == 32
}

func (e *env) revokeKey(c *cli.Context, authority *ca.CA, ref string) error {
	var (
		certs []*store.Cert
		err   error
	)
	if fp, ok := isHexID(ref); ok && !fileExists(ref) {
		certs, err = authority.RevokeKeyFingerprint(fp)
	} else {
		data, rerr := readInput(ref, maxInputFile)
		if rerr != nil {
			return fmt.Errorf("--key: %w (give a file or a 64-hex-digit fingerprint)", rerr)
		}
		pub, perr := ca.PublicKeyOf(data)
		if perr != nil {
			return perr
		}
		certs, err = authority.RevokeKey(pub)
	}
	if err != nil {
		return err
	}
	if c.Bool("json") {
		out := []revokedCert{}
		for _, rc := range certs {
			out = append(out, revokedJSON(rc))
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
	var id []byte
	if b, ok := isHexID(ref); ok && !fileExists(ref) {
		if err := authority.RejectCSRID(b); err != nil {
			return err
		}
		id = b
	} else {
		data, err := readInput(ref, maxInputFile)
		if err != nil {
			return fmt.Errorf("--csr: %w (give a file or a 64-hex-digit CSR id)", err)
		}
		if id, err = authority.RejectCSR(data); err != nil {
			return fmt.Errorf("--csr %s: %w", ref, err)
		}
	}
	if c.Bool("json") {
		return e.printJSON(map[string]any{"csr_rejected": hex.EncodeToString(id)})
	}
	e.note("CSR %x rejected: it will never be signed", id)
	return nil
}

// revokeIntermediate is `revoke SERIAL` for a serial that no issued
// certificate has: an intermediate's, which the root's CRL then lists.
// notFound is RevokeCert's error, kept when no intermediate has the serial
// either.
func (e *env) revokeIntermediate(c *cli.Context, authority *ca.CA, serial []byte, reason int, notFound error) error {
	a, cert, err := authority.RevokeIntermediate(serial, reason)
	if errors.Is(err, store.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	rec := &store.Cert{Serial: serial, RevokedAt: a.RevokedAt, Reason: a.Reason}
	if c.Bool("json") {
		return e.printJSON(revokedJSON(rec))
	}
	e.note("revoked the intermediate %q (%x) at %s%s: the root's CRL (localca crl --root) lists it, and it signs nothing more; make a new CA with `localca init --force`",
		cert.Subject.CommonName, serial, a.RevokedAt.Format(time.RFC3339), reasonSuffix(a.Reason))
	return nil
}
