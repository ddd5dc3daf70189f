package main

import "github.com/urfave/cli/v2"

// storeFlags are the global flags naming the store: --store is a bbolt
// file's path or etcd://host:port[,host:port...][/prefix] (a CA several
// machines share), with the mutual TLS to etcd.
func storeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "store", Usage: storeUsage + ": a file, or etcd://host:2379[,host:2379...][/prefix] (default $LOCALCA_STORE, else HOME/localca.db)"},
		&cli.StringFlag{Name: "etcd-cacert", Usage: "CA certificate that signed etcd's server certificates (PEM)"},
		&cli.StringFlag{Name: "etcd-cert", Usage: "client certificate for etcd's --client-cert-auth (PEM)"},
		&cli.StringFlag{Name: "etcd-key", Usage: "the client certificate's key (PEM)"},
	}
}

// storeUsage starts --store's usage: it tells the CA's --store from
// `trust install --store system,nss`, which names trust stores.
const storeUsage = "the CA's store"

// hasFlag tells whether c has a flag of that name of its own.
func hasFlag(c *cli.Command, name string) bool {
	for _, f := range c.Flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

// lineageString is one of storeFlags' values wherever it was given, before
// or after the subcommand, leaving out a command's own --store of another
// meaning (trust's).
func lineageString(c *cli.Context, name string) string {
	for _, cc := range c.Lineage() {
		if cc.Command != nil && name == "store" && hasFlag(cc.Command, "store") && !ownsCAStore(cc.Command) {
			continue
		}
		if v := cc.String(name); cc.IsSet(name) && v != "" {
			return v
		}
	}
	return ""
}

// ownsCAStore tells whether c's --store is the CA's.
func ownsCAStore(c *cli.Command) bool {
	for _, f := range c.Flags {
		if sf, ok := f.(*cli.StringFlag); ok && sf.Name == "store" {
			return len(sf.Usage) >= len(storeUsage) && sf.Usage[:len(storeUsage)] == storeUsage
		}
	}
	return false
}
