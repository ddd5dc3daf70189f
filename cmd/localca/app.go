package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/internal/cliargs"
)

// Exit codes, as the design fixes them.
const (
	exitOK      = 0
	exitFailure = 1 // a refusal or failure the user can act on
	exitUsage   = 2 // the command line itself is wrong
)

// usageError marks a wrong command line: exit code 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// withArgs runs action on a command line of exactly n arguments, and
// answers any other with the usage error msg.
func withArgs(n int, msg string, action cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		if c.Args().Len() != n {
			return usageError{errors.New(msg)}
		}
		return action(c)
	}
}

// env is what a command run sees of the world: its streams and environment.
// Tests build one with buffers; main with the process's own.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// beforeCommit, when set, runs before each commit into the store
	// (ca.Home.BeforeCommit). Only tests set it, to make the commit fail.
	beforeCommit func() error
	// lookupUser finds the user behind sudo (trust_sudo.go); nil means
	// os/user.Lookup. Tests set it.
	lookupUser func(name string) (*user.User, error)
	// sealed is the seal of the store's secrets, made on first use
	// (secrets), so that the password is read and the key derived once.
	sealed *ca.Secrets
	// opened are the CAs openCA returned, closed when the command ends.
	opened []*ca.CA
}

// run is main without the exit: tests call it with buffers.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return (&env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}).run(args)
}

// run runs one command line in e and returns its exit code.
func (e *env) run(args []string) int {
	stderr := e.stderr
	app := newApp(e)
	err := app.Run(cliargs.Interspersed(app, args))
	for _, c := range e.opened {
		c.Close() // a CA connected to etcd keeps its one connection
	}
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "localca: %s\n", strings.TrimPrefix(err.Error(), "localca: "))
	var ue usageError
	if errors.As(err, &ue) || cliargs.IsMissingRequiredFlag(err) || errors.Is(err, ca.ErrBadEnv) {
		return exitUsage
	}
	return exitFailure
}

// newApp builds the command tree. It does nothing heavy: no store is opened
// and no key is parsed until a command runs and needs it.
func newApp(e *env) *cli.App {
	app := &cli.App{
		Name:                 "localca",
		Version:              version(),
		Usage:                "a certificate authority for development and mTLS, in one binary",
		UsageText:            "localca [--home DIR] COMMAND [options]\n\n   localca issue localhost 127.0.0.1     # a CA on first use, then a certificate\n   localca --help COMMAND                # every command shows an example",
		Reader:               e.stdin,
		Writer:               e.stdout,
		ErrWriter:            e.stderr,
		Flags:                append([]cli.Flag{homeFlag()}, storeFlags()...),
		EnableBashCompletion: true,
		Commands:             e.commands(),
		ExitErrHandler:       func(*cli.Context, error) {}, // run() decides exit codes
		// Without an Action, cli answers an unknown command with its help
		// command's "No help topic" error, which run() would report as exit 1.
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return usagef("unknown command %q (localca --help lists them)", c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
	}
	for _, c := range app.Commands {
		addCommon(c)
	}
	return app
}

// addCommon gives every command --home and turns its flag errors into usage
// errors (exit 2).
func addCommon(c *cli.Command) {
	c.Flags = append(c.Flags, homeFlag())
	if !cliargs.HasFlag(c, "store") { // trust's --store names trust stores
		c.Flags = append(c.Flags, storeFlags()...)
	}
	c.OnUsageError = func(_ *cli.Context, err error, _ bool) error { return usageError{err} }
	if c.Action == nil && len(c.Subcommands) > 0 {
		c.Action = func(cc *cli.Context) error {
			if cc.Args().Len() > 0 {
				return usagef("%s: unknown subcommand %q", c.Name, cc.Args().First())
			}
			return cli.ShowSubcommandHelp(cc)
		}
	}
	for _, s := range c.Subcommands {
		addCommon(s)
	}
}

func (e *env) commands() []*cli.Command {
	return []*cli.Command{
		e.initCommand(),
		e.caCommand(),
		e.keyCommand(),
		e.csrCommand(),
		e.signCommand(),
		e.issueCommand(),
		e.renewCommand(),
		e.listCommand(),
		e.showCommand(),
		e.exportCommand(),
		e.backupCommand(),
		e.logCommand(),
		e.policyCommand(),
		e.demoCommand(),
		e.dnsCommand(),
		e.upCommand(),
		e.callCommand(),
		e.benchCommand(),
		e.trustCommand(),
		e.revokeCommand(),
		e.crlCommand(),
		e.tokenCommand(),
		e.serveCommand(),
		e.acmeCommand(),
		e.storeCommand(),
	}
}

// Flags are built by functions: urfave/cli v2 misbehaves when one flag value
// is shared between commands.
func homeFlag() cli.Flag {
	return &cli.StringFlag{Name: "home", Usage: "folder of the CA's store (default $LOCALCA_HOME or ~/.local/share/localca)"}
}

func jsonFlag() cli.Flag {
	return &cli.BoolFlag{Name: "json", Usage: "print JSON for scripts"}
}

func outFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: usage}
}

func passwordFileFlag() cli.Flag {
	return &cli.StringFlag{Name: "password-file", Usage: "read the password from this file (first line)", EnvVars: []string{"LOCALCA_PASSWORD_FILE"}}
}

func policyFlag() cli.Flag {
	return &cli.StringFlag{Name: "policy", Usage: "policy file (default $LOCALCA_POLICY, else HOME/policy.toml if present, else the built-in policy)", EnvVars: []string{"LOCALCA_POLICY"}}
}

func keyTypeFlag() cli.Flag {
	return &cli.StringFlag{Name: "key-type", Value: "ecdsa-p256", Usage: "ecdsa-p256, ecdsa-p384, ed25519, rsa-2048, rsa-3072 or rsa-4096"}
}

// version is the module version the binary was built from ("(devel)" for a
// build from a checkout), with the VCS revision when the build recorded it.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}

func urlFlag() cli.Flag {
	return &cli.StringFlag{Name: "url", Usage: "the URL of `localca serve` (default $LOCALCA_URL): issued leaves carry its CRL and OCSP URLs"}
}
