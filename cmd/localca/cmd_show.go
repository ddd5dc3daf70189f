package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
	"github.com/urfave/cli/v2"
)

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
			// The store is closed before anything is printed (closeStore),
			// so a paused reader of the output holds no lock.
			st, stErr := e.openStore(c, true)
			closeStore := func() {}
			if stErr == nil {
				closeStore = sync.OnceFunc(func() { st.Close() })
				defer closeStore()
			}
			if data, err := readInput(arg, maxInputFile); errors.Is(err, errInputTooLarge) {
				return err
			} else if err == nil {
				certs, err := ca.ParseCertificates(data)
				if err != nil {
					return fmt.Errorf("%s: %w", arg, err)
				}
				cert = certs[0]
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
			closeStore()
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
	serial, err := ca.ParseSerial(arg)
	if err != nil || len(serial) == 0 {
		return nil, usagef("%q is neither a file nor a hex serial", arg)
	}
	return st.Cert(serial)
}
