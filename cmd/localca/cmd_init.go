package main

import (
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/truststore"
	"github.com/localca/localca/store"
)

func (e *env) initCommand() *cli.Command {
	return &cli.Command{
		Name:  "init",
		Usage: "create the root (10 years) and intermediate (5 years) in the store",
		Description: `Creates a root CA and an intermediate (path length 0, name constraints from
the policy) and stores both, keys encrypted with PKCS#8 PBES2.

   localca init --password-file ~/.localca-pw
   localca init --no-password --key-type ed25519     # a throwaway dev CA`,
		Flags: []cli.Flag{
			keyTypeFlag(),
			&cli.StringFlag{Name: "name", Value: "localca Root CA", Usage: "the root's common name"},
			passwordFileFlag(),
			&cli.BoolFlag{Name: "no-password", Usage: "keep the CA keys unencrypted (a throwaway dev CA)"},
			&cli.BoolFlag{Name: "force", Usage: "replace an existing CA"},
			policyFlag(),
			jsonFlag(),
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return usagef("init takes no arguments (got %q)", c.Args().First())
			}
			if _, err := ca.ParseKeyType(c.String("key-type")); err != nil {
				return usageError{err}
			}
			pol, _, err := e.policy(c)
			if err != nil {
				return err
			}
			var pw []byte
			if !c.Bool("no-password") {
				if pw, err = e.password(c, "new CA key password", true); err != nil {
					return err
				}
			} else if c.IsSet("password-file") {
				return usagef("--no-password and --password-file contradict each other")
			}
			st, err := e.openStore(c, false)
			if err != nil {
				return err
			}
			defer st.Close()
			oldRoot, _, _ := st.CA()
			authority, err := ca.Init(st, ca.InitOptions{KeyType: c.String("key-type"), Name: c.String("name"), Password: pw, Force: c.Bool("force")}, ca.Options{Policy: pol})
			if err != nil {
				return err
			}
			if old, err := parseAuthority(oldRoot); err == nil {
				// trust uninstall knows only the store's current root from
				// now on: say where the old one was put, under which name.
				e.note("localca: the replaced root (SHA-256 %s) stays trusted wherever `localca trust install` put it: "+
					"in NSS and Java as %q (certutil -D -d sql:$HOME/.pki/nssdb -n %q), in the system store as %s",
					truststore.Fingerprint(old), truststore.Nickname(old), truststore.Nickname(old), truststore.SystemFile(old))
			}
			return e.printCAInfo(c, authority, st.Path())
		},
	}
}

func encryptedWord(b bool) string {
	if b {
		return "encrypted (PKCS#8 PBES2)"
	}
	return "NOT encrypted (--no-password)"
}

// autoInit is mkcert's first-use behaviour: `issue` on a machine without a
// CA makes one, unencrypted, and says where. The intermediate's name
// constraints keep such a CA from minting trusted certificates for public
// names even if its key leaks.
func (e *env) autoInit(c *cli.Context) error {
	_, err := e.connectCA(c, true)
	return err
}

// loadOrInitCA is loadCA for commands that make the CA on first use
// (autoInit). It opens the store once: a one-shot `localca issue` is mostly
// process start-up, and a second open would cost it another lock and mmap.
func (e *env) loadOrInitCA(c *cli.Context) (*ca.CA, *store.Store, error) {
	pol, _, err := e.policy(c)
	if err != nil {
		return nil, nil, err
	}
	st, err := e.openStore(c, false)
	if err != nil {
		return nil, nil, err
	}
	if _, _, err := st.CA(); !errors.Is(err, store.ErrNoCA) {
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		authority, err := e.openCA(c, st, pol)
		return authority, st, err
	}
	authority, err := ca.Init(st, ca.InitOptions{}, e.caOptions(c, pol))
	if err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("creating a CA on first use: %w", err)
	}
	e.note("localca: created a new CA in %s (keys not encrypted; `localca init --force` makes one with a password)", st.Path())
	e.note("localca: root %q, trust it with: localca ca root > root.pem", authority.Root().Subject.CommonName)
	return authority, st, nil
}

// parseAuthority is an authority's certificate; an error when there is none.
func parseAuthority(a *store.Authority) (*x509.Certificate, error) {
	if a == nil {
		return nil, store.ErrNoCA
	}
	return x509.ParseCertificate(a.CertDER)
}
