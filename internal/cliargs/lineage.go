package cliargs

import "github.com/urfave/cli/v2"

// HasFlag tells whether c has a flag of that name of its own.
func HasFlag(c *cli.Command, name string) bool {
	for _, f := range c.Flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

// Lineage is the value of the string flag name wherever it was given on the
// line, before or after the subcommand: the innermost command that set it
// wins. A command whose own flag of that name means something else (its
// usage does not start with usagePrefix) is passed over, so that one
// command's --store naming trust stores never reads as the CA's --store.
// An empty usagePrefix passes over nothing.
func Lineage(c *cli.Context, name, usagePrefix string) string {
	for _, cc := range c.Lineage() {
		if cc.Command != nil && usagePrefix != "" && HasFlag(cc.Command, name) && !usageStarts(cc.Command, name, usagePrefix) {
			continue
		}
		if v := cc.String(name); cc.IsSet(name) && v != "" {
			return v
		}
	}
	return ""
}

// usageStarts tells whether c's string flag name has a usage that starts
// with prefix.
func usageStarts(c *cli.Command, name, prefix string) bool {
	for _, f := range c.Flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == name {
			return len(sf.Usage) >= len(prefix) && sf.Usage[:len(prefix)] == prefix
		}
	}
	return false
}
