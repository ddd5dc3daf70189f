// Command localca is a certificate authority in one binary: keys, CSRs and
// certificates (the openssl genrsa / req / x509 workflow), a root and
// intermediate, revocation with CRL and OCSP, policies, and demos that put the
// certificates to work over TLS, mTLS, UDP and DNS-SRV. Everything it issues
// is recorded in one bbolt file.
//
// Run `localca --help` for the commands; README.md is the manual.
package main

import "os"

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
