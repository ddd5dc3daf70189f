package netdemo

import (
	"net"
	"testing"
)

// TestAnnounce: a listener on loopback is for local processes only, any
// other for anyone who can reach it; who narrows either.
func TestAnnounce(t *testing.T) {
	loop := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8443}
	tests := []struct {
		name string
		addr net.Addr
		who  string
		want string
	}{
		{"loopback, open", loop, "", "web serves /x; open to local processes only (loopback)"},
		{"loopback v6, narrowed", &net.UDPAddr{IP: net.IPv6loopback, Port: 53}, "with a token", "web serves /x; local processes only (loopback), with a token"},
		{"everywhere", &net.TCPAddr{IP: net.IPv4zero, Port: 8443}, "", "web serves /x; open to anyone who can reach 0.0.0.0:8443"},
		{"lan, narrowed", &net.TCPAddr{IP: net.IPv4(10, 0, 0, 5), Port: 8443}, Admits(true, false, nil),
			"web serves /x; anyone who can reach 10.0.0.5:8443, clients with a certificate of this CA (clientAuth, not revoked), any name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Announce(tt.addr, "web", "/x", tt.who); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestAdmits: what each TLS mode admits.
func TestAdmits(t *testing.T) {
	tests := []struct {
		mtls, tls bool
		allow     []string
		want      string
	}{
		{false, false, nil, ""},
		{false, true, nil, "any client (TLS authenticates the server only)"},
		{true, false, []string{"dns:a.test", "uri:spiffe://x/*"}, "clients with a certificate of this CA (clientAuth, not revoked) matching dns:a.test, uri:spiffe://x/*"},
	}
	for _, tt := range tests {
		if got := Admits(tt.mtls, tt.tls, tt.allow); got != tt.want {
			t.Errorf("Admits(%v, %v, %q) = %q, want %q", tt.mtls, tt.tls, tt.allow, got, tt.want)
		}
	}
}
