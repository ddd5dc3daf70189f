// Package online puts a CA online as `localca serve` does: the CA's HTTPS
// endpoints (ca.Server), its plain-HTTP listener for CRLs, OCSP and the
// issuer certificates, the web page of ca/web and, when asked, the ACME
// server of ca/acme, composed on one TLS listener and one plain one.
//
// A program that wants its CA online builds a Config with listeners it
// opened, calls New, then Run:
//
//	site, err := online.New(online.Config{
//		Server: ca.ServerConfig{CA: authority, Open: open},
//		TLS:    ln, URL: "https://127.0.0.1:8443",
//		Plain:  plainLn, PlainURL: "http://127.0.0.1:8080",
//	})
//	...
//	err = site.Run(ctx)
//
// New issues the server's own TLS certificate through the CA, so that it
// carries the same CRL and AIA URLs as what /sign issues. Printing, flags
// and exit codes are the caller's.
package online
