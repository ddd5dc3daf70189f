package main

import (
	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
)

// secrets is the seal of this command's store (ca.Secrets), made once per
// command: the password is read, and the key derived, only when a sealed
// secret is first written or read.
func (e *env) secrets(c *cli.Context) *ca.Secrets {
	if e.sealed == nil {
		e.sealed = ca.NewSecrets(func() ([]byte, error) { return e.password(c, "CA key password", false) })
	}
	return e.sealed
}

// storeSealCommand is `localca store seal`: the secrets a store keeps in
// clear (leaf keys kept by issue, DNS and EAB keys) sealed with the CA
// password, the step before a CA made in a file is copied into etcd.
func (e *env) storeSealCommand() *cli.Command {
	return &cli.Command{
		Name:  "seal",
		Usage: "seal the secrets the store keeps in clear with the CA password (before `store copy` into etcd)",
		UsageText: "localca store seal --password-file pw.txt\n" +
			"   localca store copy --from ~/.local/share/localca/localca.db --to etcd://10.0.0.5:2379/ca ...",
		Flags: []cli.Flag{passwordFileFlag(), jsonFlag()},
		Action: withArgs(0, "store seal takes no arguments", func(c *cli.Context) error {
			pw, err := e.password(c, "CA key password", false)
			if err != nil {
				return err
			}
			n, err := e.caHome(c).SealStore(pw)
			if err != nil {
				return err
			}
			return e.print(c, ca.SealReport{Sealed: n})
		}),
	}
}
