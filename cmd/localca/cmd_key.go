package main

import (
	"crypto"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

func (e *env) keyCommand() *cli.Command {
	return &cli.Command{
		Name:  "key",
		Usage: "create or import private keys (openssl genrsa / genpkey)",
		Subcommands: []*cli.Command{
			{
				Name:  "create",
				Usage: "generate a key, write it as PKCS#8 PEM (0600) and record it",
				UsageText: `localca key create --type rsa --size 3072 --out server.key
   localca key create --type ecdsa --curve P-384 --out svc.key --password-file pw.txt
   localca key create --type ed25519 --out id.key`,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "type", Value: "ecdsa", Usage: "rsa, ecdsa or ed25519"},
					&cli.IntFlag{Name: "size", Usage: "RSA bits: 2048, 3072 or 4096 (default 2048)"},
					&cli.StringFlag{Name: "curve", Usage: "ECDSA curve: P-256 (default) or P-384"},
					outFlag("write the key here (default stdout)"),
					&cli.BoolFlag{Name: "encrypt", Usage: "encrypt the key (PKCS#8 PBES2) with the password from --password-file or a prompt"},
					passwordFileFlag(),
					&cli.StringFlag{Name: "label", Usage: "a note kept with the key in the store"},
					policyFlag(),
					jsonFlag(),
				},
				Action: func(c *cli.Context) error {
					spec, err := ca.NewKeySpec(c.String("type"), c.Int("size"), c.String("curve"))
					if err != nil {
						return usageError{err}
					}
					var pw []byte
					if c.Bool("encrypt") || c.IsSet("password-file") {
						if pw, err = e.password(c, "key password", true); err != nil {
							return err
						}
					}
					pemKey, k, err := e.caHome(c).NewKey(spec, pw, c.String("label"))
					if err != nil {
						return err
					}
					return e.printKey(c, k, pemKey)
				},
			},
			{
				Name:      "import",
				Usage:     "record a key made elsewhere (PKCS#1, SEC1, PKCS#8, encrypted or not)",
				UsageText: "openssl genrsa -out k.pem 2048 && localca key import k.pem",
				Flags:     []cli.Flag{passwordFileFlag(), &cli.StringFlag{Name: "label", Usage: "a note kept with the key"}, jsonFlag()},
				Action: withArgs(1, "key import takes one key file", func(c *cli.Context) error {
					key, err := e.readKeyFile(c, c.Args().First())
					if err != nil {
						return err
					}
					k, err := e.caHome(c).RecordKey(key.Public(), nil, c.String("label"))
					if err != nil {
						return err
					}
					return e.printKey(c, k, nil)
				}),
			},
		},
	}
}

// printKey writes the PEM of a key localca made (pemKey; nil for an
// imported key), recorded first, and says what was recorded.
func (e *env) printKey(c *cli.Context, k ca.KeyRecord, pemKey []byte) error {
	if pemKey != nil {
		if err := e.writeOut(c.String("out"), pemKey, true); err != nil {
			return err
		}
	}
	return e.printNote(c, k.Report(c.String("out")))
}

// readKeyFile reads a private key file (ca.ReadKeyFile), asking for a
// password only when the key is encrypted.
func (e *env) readKeyFile(c *cli.Context, path string) (crypto.Signer, error) {
	return ca.ReadKeyFile(path, func() ([]byte, error) { return e.password(c, "key password", false) })
}
