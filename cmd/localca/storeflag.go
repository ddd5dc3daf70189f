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
