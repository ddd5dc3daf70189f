package online

import (
	"net"
	"strings"
)

// Offer is what one of a Site's listeners serves and to whom: what a
// server says at start, per listener, so that nobody runs one open to more
// than they meant.
type Offer struct {
	Addr  net.Addr
	URL   string // the listener's base URL
	Plain bool   // the plain-HTTP listener
	What  string
	// Who narrows who may use it; "" when anyone who can reach the
	// listener may.
	Who string
}

// Offers lists what the site serves: over TLS the CA's certificates and
// revocation data to anyone, /sign and /revoke with a token; on the plain
// listener, when there is one, its signed data.
func (s *Site) Offers() []Offer {
	out := []Offer{
		{Addr: s.cfg.TLS.Addr(), URL: s.cfg.URL, What: "/roots.pem /intermediates.pem /intermediate.crt /crl /crl/root /ocsp /healthz over TLS"},
		{Addr: s.cfg.TLS.Addr(), URL: s.cfg.URL, What: "/sign and /revoke", Who: "each request with a token of `localca token create` that allows its names"},
	}
	if s.cfg.Plain != nil {
		out = append(out, Offer{Addr: s.cfg.Plain.Addr(), URL: s.cfg.PlainURL, Plain: true,
			What: strings.Join(s.PlainPaths(), " ") + " over plain HTTP (signed data, read-only)"})
	}
	return out
}

// Admits says who may order certificates from the ACME server.
func (a *ACME) Admits() string {
	if a.RequireEAB {
		return "accounts need an external account binding (`localca acme eab create`)"
	}
	return "any local user can order certificates for the policy's names (--acme-require-eab to require EAB)"
}
