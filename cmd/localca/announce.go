package main

import (
	"net"
	"strings"
)

// Every server says at start, per listener, what it serves and who may use
// it, so that nobody runs one open to more than they meant.

// announce says, for a listener, what it serves and who may use it:
// anyone who can reach it (only local processes on loopback), narrowed by
// who ("with a token", "clients with a certificate of this CA").
func (e *env) announce(addr net.Addr, where, what, who string) {
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
	e.note("%s serves %s; %s", where, what, who)
}

// tlsWho says who a demo or service with tlsMode admits.
func tlsWho(mtls, tls bool, allow []string) string {
	switch {
	case mtls && len(allow) == 0:
		return "clients with a certificate of this CA (clientAuth, not revoked), any name"
	case mtls:
		return "clients with a certificate of this CA (clientAuth, not revoked) matching " + strings.Join(allow, ", ")
	case tls:
		return "any client (TLS authenticates the server only)"
	}
	return "" // plain: open
}
