package badserver

import (
	"fmt"
	"net"
	"strings"

	"github.com/localca/localca/netdemo/dnssrv"
)

// Records are the address records that send each site's name to addr, in
// the zone-file form a dnssrv.Backing stores: A, or AAAA for an IPv6
// listener; an unspecified listen address is announced as loopback.
func Records(sites []Site, addr *net.TCPAddr) ([]string, error) {
	ip, typ := addr.IP, "A"
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip.To4() == nil {
		typ = "AAAA"
	}
	var records []string
	for _, s := range sites {
		rr, err := dnssrv.ParseRR(fmt.Sprintf("%s. 60 IN %s %s", strings.ToLower(s.Name), typ, ip), dnssrv.DefaultOrigin)
		if err != nil {
			return nil, fmt.Errorf("badserver: record of %q: %w", s.Name, err)
		}
		records = append(records, rr.String())
	}
	return records, nil
}

// Register puts the sites' address records (Records) into b, for the DNS
// servers that follow it, and returns the function that takes them out
// again when the server stops.
func Register(b dnssrv.Backing, sites []Site, addr *net.TCPAddr) (deregister func() error, err error) {
	records, err := Records(sites, addr)
	if err != nil {
		return nil, err
	}
	if _, err := b.Apply(records, nil); err != nil {
		return nil, fmt.Errorf("badserver: registering the sites' names: %w", err)
	}
	return func() error {
		_, err := b.Apply(nil, records)
		return err
	}, nil
}
