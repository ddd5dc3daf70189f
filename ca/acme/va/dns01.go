package va

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

func dnsReverse(ip string) (string, error) { return dns.ReverseAddr(ip) }

// dns01 is RFC 8555 8.4: a TXT record at _acme-challenge.NAME holding
// base64url(SHA-256(key authorization)), in localca's own zone (clients
// publish it there by RFC 2136; `localca dns serve` stores it).
func (v *Validator) dns01(name, keyAuth string) error {
	rrs, err := v.zone()
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(keyAuth))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	owner := dns.CanonicalName("_acme-challenge." + name)
	var seen []string
	for _, rr := range rrs {
		txt, ok := rr.(*dns.TXT)
		if !ok || dns.CanonicalName(txt.Hdr.Name) != owner {
			continue
		}
		v := strings.Join(txt.Txt, "")
		if v == want {
			return nil
		}
		seen = append(seen, v)
	}
	if len(seen) == 0 {
		return fmt.Errorf("%w: no TXT record at %q in localca's zone (publish it with RFC 2136 to `localca dns serve`)", ErrDNS, strings.TrimSuffix(owner, "."))
	}
	return fmt.Errorf("%w: TXT at %q holds %q, want %q", ErrIncorrect, strings.TrimSuffix(owner, "."), seen, want)
}
