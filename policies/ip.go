package policies

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// IP patterns are CIDR ranges ("10.0.0.0/8", "fd00::/8") or single
// addresses ("127.0.0.1", "::1"). IPv4 addresses written as IPv4-mapped IPv6
// (::ffff:10.0.0.1) are IPv4 addresses: they match IPv4 ranges and go into
// the certificate in their four-byte form.
func parseIPPattern(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR range", s)
		}
		if p.Addr().Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q has a zone", s)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		if p.Masked() != p {
			return netip.Prefix{}, fmt.Errorf("%q has host bits set; did you mean %s?", s, p.Masked())
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR range", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// normalizeIP turns a requested address into the form a certificate carries.
func normalizeIP(ip net.IP) (netip.Addr, error) {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.Addr{}, errors.New("not 4 or 16 bytes")
	}
	a = a.Unmap()
	if a.IsUnspecified() {
		return netip.Addr{}, errors.New("the unspecified address names no host")
	}
	return a, nil
}

// ipString prints an address the way users type it (net.IP.String form).
func ipString(ip net.IP) string {
	if a, ok := netip.AddrFromSlice(ip); ok {
		return a.Unmap().String()
	}
	return fmt.Sprintf("%x", []byte(ip))
}
