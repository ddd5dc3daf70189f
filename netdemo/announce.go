package netdemo

import (
	"net"
	"strings"
)

// Announce says, for a listener at addr, what it serves and who may use
// it: anyone who can reach it (only local processes on loopback), narrowed
// by who ("with a token", "clients with a certificate of this CA"; "" for
// nobody narrower). A server says it at start for each of its listeners, so
// that nobody runs one open to more than they meant.
func Announce(addr net.Addr, where, what, who string) string {
	reach := "anyone who can reach " + addr.String()
	if host, _, err := net.SplitHostPort(addr.String()); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			reach = "local processes only (loopback)"
		}
	}
	if who == "" {
		who = "open to " + reach
	} else {
		who = reach + ", " + who
	}
	return where + " serves " + what + "; " + who
}

// Admits says, for Announce, whom a demo server admits: with mtls the
// clients with a certificate of the CA (clientAuth, not revoked) that match
// one of the allow rules, or any when there is none; with tls any client;
// plain, "" (open).
func Admits(mtls, tls bool, allow []string) string {
	switch {
	case mtls && len(allow) == 0:
		return "clients with a certificate of this CA (clientAuth, not revoked), any name"
	case mtls:
		return "clients with a certificate of this CA (clientAuth, not revoked) matching " + strings.Join(allow, ", ")
	case tls:
		return "any client (TLS authenticates the server only)"
	}
	return ""
}
