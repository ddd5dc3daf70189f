package mesh

import (
	"fmt"

	"github.com/miekg/dns"

	"github.com/localca/localca/netdemo/dnssrv"
)

// Records are what make a service findable: SRV (where), A (the address),
// TXT (the protocol, DNS-SD style, which Call reads).
func (f *File) Records(s Service, port int) ([]dns.RR, error) {
	host := f.Host(s.Name) + "."
	srvName := dnssrv.ServiceName(s.Name, "tcp", f.Zone)
	var out []dns.RR
	for _, text := range []string{
		fmt.Sprintf("%s 60 IN SRV 10 10 %d %s", srvName, port, host),
		fmt.Sprintf("%s 60 IN A 127.0.0.1", host),
		fmt.Sprintf(`%s 60 IN TXT "proto=%s"`, srvName, s.Protocol),
	} {
		rr, err := dnssrv.ParseRR(text, f.Zone)
		if err != nil {
			return nil, err
		}
		out = append(out, rr)
	}
	return out, nil
}

// staleRecords are the records of have with the name and type of one of
// recs: what a service's new registration replaces.
func staleRecords(have, recs []dns.RR) []dns.RR {
	type nameType struct {
		name  string
		rtype uint16
	}
	ours := map[nameType]bool{}
	for _, r := range recs {
		ours[nameType{dns.CanonicalName(r.Header().Name), r.Header().Rrtype}] = true
	}
	var out []dns.RR
	for _, r := range have {
		if ours[nameType{dns.CanonicalName(r.Header().Name), r.Header().Rrtype}] {
			out = append(out, r)
		}
	}
	return out
}
