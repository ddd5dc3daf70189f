package main

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

func (e *env) listCommand() *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list issued certificates",
		UsageText: `localca list --status valid
   localca list --name api.test --json
   localca list --expiring 720h        # valid certificates that expire within 30 days`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "status", Usage: "valid, revoked or expired"},
			&cli.StringFlag{Name: "name", Usage: "only certificates carrying this exact name"},
			&cli.DurationFlag{Name: "expiring", Usage: "only valid certificates that expire within this duration (e.g. 720h)"},
			&cli.IntFlag{Name: "limit", Usage: "at most this many"},
			fixturesFlag(),
			jsonFlag(),
		},
		Action: func(c *cli.Context) error {
			switch c.String("status") {
			case "", store.CertValid, store.CertRevoked, store.CertExpired:
			default:
				return usagef("--status %q: want valid, revoked or expired", c.String("status"))
			}
			st, err := e.openStore(c, true)
			if err != nil {
				return err
			}
			defer st.Close()
			now := time.Now()
			f := store.Filter{Status: c.String("status"), Name: c.String("name"), ExpiringWithin: c.Duration("expiring"), Now: now, Limit: c.Int("limit")}
			if c.Bool("json") {
				var out []ca.CertInfo
				err := st.ForEachCert(f, func(rec *store.Cert) error {
					if skipFixture(c, rec.Profile) {
						return nil
					}
					cert, err := x509.ParseCertificate(rec.DER)
					if err != nil {
						return err
					}
					out = append(out, ca.Describe(cert, rec, now))
					return nil
				})
				if err != nil {
					return err
				}
				if out == nil {
					out = []ca.CertInfo{}
				}
				return e.printJSON(out)
			}
			tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SERIAL\tSTATUS\tPROFILE\tNOT AFTER\tNAMES")
			n := 0
			err = st.ForEachCert(f, func(rec *store.Cert) error {
				if skipFixture(c, rec.Profile) {
					return nil
				}
				n++
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", rec.SerialHex(), rec.StatusAt(now), rec.Profile, rec.NotAfter.UTC().Format("2006-01-02 15:04"), strings.Join(rec.Names, ","))
				return nil
			})
			if err != nil {
				return err
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			e.note("%d certificate(s)", n)
			return nil
		},
	}
}

func (e *env) showCommand() *cli.Command {
	return &cli.Command{
		Name:      "show",
		Usage:     "show a certificate by serial or from a file",
		UsageText: "localca show 3f2a…   |   localca show localhost.pem [--json]",
		Flags:     []cli.Flag{jsonFlag()},
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return usagef("show takes one SERIAL or FILE")
			}
			arg := c.Args().First()
			var cert *x509.Certificate
			var rec *store.Cert
			st, stErr := e.openStore(c, true)
			if stErr == nil {
				defer st.Close()
			}
			if data, err := readInput(arg, maxInputFile); errors.Is(err, errInputTooLarge) {
				return err
			} else if err == nil {
				if cert, err = parseCertPEM(data); err != nil {
					return fmt.Errorf("%s: %w", arg, err)
				}
				if st != nil {
					rec, _ = st.Cert(cert.SerialNumber.Bytes())
				}
			} else {
				if stErr != nil {
					return stErr
				}
				if rec, err = certBySerialArg(st, arg); err != nil {
					return err
				}
				if cert, err = x509.ParseCertificate(rec.DER); err != nil {
					return err
				}
			}
			in := ca.Describe(cert, rec, time.Now())
			if c.Bool("json") {
				return e.printJSON(in)
			}
			printCertInfo(e.stdout, in)
			return nil
		},
	}
}

// certBySerialArg looks up a serial given in hex (with or without colons or
// a 0x prefix).
func certBySerialArg(st *store.Store, arg string) (*store.Cert, error) {
	s := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(arg, ":", ""), "0x"))
	if len(s)%2 == 1 {
		s = "0" + s
	}
	serial, err := hex.DecodeString(s)
	if err != nil || len(serial) == 0 {
		return nil, usagef("%q is neither a file nor a hex serial", arg)
	}
	return st.Cert(serial)
}

// parseCertPEM reads the first certificate of a PEM file, or DER.
func parseCertPEM(data []byte) (*x509.Certificate, error) {
	der := data
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%w: PEM block is %q, want CERTIFICATE", ca.ErrBadPEM, block.Type)
		}
		der = block.Bytes
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ca.ErrBadCertificate, err)
	}
	return cert, nil
}

func (e *env) exportCommand() *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "write a stored certificate as PEM, DER, or the chain; or its stored private key",
		UsageText: "localca export 3f2a… --chain --out api-chain.pem\n   localca export 3f2a… --key --out api-key.pem      # the key `issue` made (0600)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "der", Usage: "DER instead of PEM (the leaf only)"},
			&cli.BoolFlag{Name: "chain", Usage: "the leaf followed by its issuer"},
			&cli.BoolFlag{Name: "key", Usage: "the certificate's private key as the store keeps it (PKCS#8 PEM), written 0600"},
			outFlag("write here (default stdout)"),
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return usagef("export takes one SERIAL")
			}
			if c.Bool("der") && c.Bool("chain") {
				return usagef("--der writes one certificate; it cannot carry a chain")
			}
			if c.Bool("key") && (c.Bool("der") || c.Bool("chain")) {
				return usagef("--key writes the private key; it goes with neither --der nor --chain")
			}
			st, err := e.openStore(c, true)
			if err != nil {
				return err
			}
			defer st.Close()
			rec, err := certBySerialArg(st, c.Args().First())
			if err != nil {
				return err
			}
			if c.Bool("key") {
				k, err := st.Key(rec.KeyFingerprint)
				if err != nil {
					return fmt.Errorf("the key of %s: %w", rec.SerialHex(), err)
				}
				if len(k.PEM) == 0 {
					return fmt.Errorf("the store holds no private key for %s: it was signed from a CSR, so its key never left the requester", rec.SerialHex())
				}
				return e.writeOut(c.String("out"), k.PEM, true)
			}
			if c.Bool("der") {
				return e.writeOut(c.String("out"), rec.DER, false)
			}
			out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rec.DER})
			if c.Bool("chain") && rec.IssuerID != "" {
				a, err := st.Authority(rec.IssuerID)
				if err != nil {
					return err
				}
				out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.CertDER})...)
			}
			return e.writeOut(c.String("out"), out, false)
		},
	}
}

func (e *env) backupCommand() *cli.Command {
	return &cli.Command{
		Name:      "backup",
		Usage:     "write a consistent copy of the store, even while it is in use",
		UsageText: "localca backup ~/localca-backup.db",
		Action: func(c *cli.Context) error {
			if c.Args().Len() != 1 {
				return usagef("backup takes one FILE")
			}
			st, err := e.openStore(c, true)
			if err != nil {
				return err
			}
			defer st.Close()
			f, err := os.OpenFile(c.Args().First(), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fmt.Errorf("backup: %w", err)
			}
			n, err := st.Backup(f)
			if err == nil {
				err = f.Sync()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(c.Args().First())
				return err
			}
			e.note("wrote %d bytes to %s", n, c.Args().First())
			return nil
		},
	}
}
