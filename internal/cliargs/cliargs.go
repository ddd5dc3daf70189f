// Package cliargs reads urfave/cli v2 command lines the way people type them:
// flags after positional arguments, global flags after the subcommand, and
// flags of the same name that mean different things in different commands.
// It holds no command of its own; cmd/localca builds its app and hands it
// here.
package cliargs

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// Interspersed moves flags that follow positional arguments in front of
// them, so `localca issue localhost --client` works like `localca issue
// --client localhost`. urfave/cli v2 stops parsing flags at the first
// positional argument; people type flags wherever they like. It walks the
// command path to learn which flags take a value; "--" ends flags as usual.
func Interspersed(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	out := []string{args[0]}
	cmds, flags := app.Commands, app.Flags
	i := 1
	// Global flags and the command path.
	for i < len(args) {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			out = append(out, a)
			if takesValue(flags, a) && i+1 < len(args) {
				out = append(out, args[i+1])
				i++
			}
			i++
			continue
		}
		cmd := findCommand(cmds, a)
		if cmd == nil {
			break
		}
		out = append(out, a)
		i++
		cmds, flags = cmd.Subcommands, cmd.Flags
		if len(cmds) == 0 {
			break
		}
	}
	var fl, pos []string
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			pos = append(pos, args[i:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			fl = append(fl, a)
			if takesValue(flags, a) && i+1 < len(args) {
				fl = append(fl, args[i+1])
				i++
			}
		default:
			pos = append(pos, a)
		}
	}
	out = append(out, fl...)
	return append(out, pos...)
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.Name == name {
			return c
		}
		for _, a := range c.Aliases {
			if a == name {
				return c
			}
		}
	}
	return nil
}

// takesValue reports whether the flag written as arg ("--out", "-o") needs
// the next argument as its value ("--out=x" carries its own).
func takesValue(flags []cli.Flag, arg string) bool {
	name := strings.TrimLeft(arg, "-")
	if strings.Contains(name, "=") {
		return false
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				_, isBool := f.(*cli.BoolFlag)
				return !isBool
			}
		}
	}
	return false
}

// IsMissingRequiredFlag recognises urfave/cli's error for a Required flag
// left out: it is a usage error, but cli checks required flags without
// calling OnUsageError, and its error type is unexported, so only its
// message (stable across v2) tells it apart.
func IsMissingRequiredFlag(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "Required flag ") || strings.HasPrefix(msg, "Required flags ")
}
