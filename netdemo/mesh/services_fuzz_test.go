package mesh

import (
	"bytes"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/miekg/dns"
)

// FuzzParseServices feeds the `up FILE` parser any file. It must never
// panic; a refusal names the file and then the line, key or service at
// fault; and a file it accepts is one up can run: every service name is one
// lower-case DNS label, the zone a DNS name, each service's host name and
// SRV, A and TXT records are well formed and say what the file said, its
// SPIFFE ID is spiffe://ZONE/NAME, every allowed caller is a service, and
// the file written back out parses to the same thing.
func FuzzParseServices(f *testing.F) {
	f.Add(Sample)
	f.Add("zone = \"dev.test\"\ndns = \"127.0.0.1:0\"\nvalidity = \"2h\"\n[[service]]\nname = \"api\"\nprotocol = \"http\"\nport = 8443\nallow = [\"api\"]\n")
	f.Add("[[service]]\nname = \"a\"\nprotocol = \"tcp\"\ncolour = \"red\"\n")
	f.Add("[[service]]\nname = \"a\"\nprotocol = \"tcp\"\n[[service]]\nname = \"a\"\nprotocol = \"http\"\n")
	f.Add("[[service]]\nname = \"A_b\"\nprotocol = \"tcp\"\nport = 70000\n")
	f.Add("zone = \"a b.\"\n[[service]]\nname = \"x\\ty\"\nprotocol = \"tcp\"\n")
	f.Add("validity = \"soon\"\n[[service]]\nname = \"a\"\nprotocol = \"tcp\"\n")
	f.Add("[[service]]\nname = 3\n")
	f.Fuzz(func(t *testing.T, file string) {
		const name = "fuzz.toml"
		sf, err := Parse([]byte(file), name)
		if err != nil {
			if !strings.HasPrefix(err.Error(), name+": ") {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		checkServices(t, sf)
		var buf bytes.Buffer
		if err := toml.NewEncoder(&buf).Encode(sf); err != nil {
			t.Fatalf("encoding an accepted file: %v", err)
		}
		again, err := Parse(buf.Bytes(), name)
		if err != nil {
			t.Fatalf("the accepted file, written out, is refused: %v\n%s", err, buf.Bytes())
		}
		if !reflect.DeepEqual(sf, again) {
			t.Fatalf("the accepted file, written out and read back, changed:\n%+v\n%+v\n%s", sf, again, buf.Bytes())
		}
	})
}

// checkServices checks what up will build from an accepted services file.
func checkServices(t *testing.T, f *File) {
	t.Helper()
	if !dns.IsFqdn(f.Zone) || f.Zone == "." {
		t.Fatalf("accepted zone %q", f.Zone)
	}
	for _, l := range strings.Split(strings.TrimSuffix(f.Zone, "."), ".") {
		if !isLabel(l) {
			t.Fatalf("accepted zone %q, whose label %q is not a lower-case DNS label", f.Zone, l)
		}
	}
	names := map[string]bool{}
	for _, s := range f.Services {
		names[s.Name] = true
	}
	for _, s := range f.Services {
		if !isLabel(s.Name) {
			t.Fatalf("accepted service name %q, which is not one lower-case DNS label", s.Name)
		}
		host := f.Host(s.Name)
		if _, ok := dns.IsDomainName(host); !ok || len(host) > 253 {
			t.Fatalf("service %q has host name %q", s.Name, host)
		}
		rrs, err := f.Records(s, s.Port)
		if err != nil {
			t.Fatalf("service %q: its records: %v", s.Name, err)
		}
		if len(rrs) != 3 {
			t.Fatalf("service %q: %d records, want SRV, A and TXT", s.Name, len(rrs))
		}
		srv, ok := rrs[0].(*dns.SRV)
		if !ok || srv.Target != host+"." || int(srv.Port) != s.Port || !dns.IsSubDomain(f.Zone, srv.Hdr.Name) {
			t.Fatalf("service %q: SRV record %v, want target %s. port %d in %s", s.Name, rrs[0], host, s.Port, f.Zone)
		}
		if a, ok := rrs[1].(*dns.A); !ok || a.Hdr.Name != host+"." {
			t.Fatalf("service %q: A record %v", s.Name, rrs[1])
		}
		if txt, ok := rrs[2].(*dns.TXT); !ok || len(txt.Txt) != 1 || txt.Txt[0] != "proto="+s.Protocol {
			t.Fatalf("service %q: TXT record %v", s.Name, rrs[2])
		}
		u, err := url.Parse(f.SpiffeID(s.Name))
		if err != nil || u.Scheme != "spiffe" || u.Host+"." != f.Zone || u.Path != "/"+s.Name || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("service %q: SPIFFE ID %q (%v)", s.Name, f.SpiffeID(s.Name), err)
		}
		for _, a := range s.Allow {
			if !names[a] {
				t.Fatalf("service %q allows %q, which is not a service", s.Name, a)
			}
		}
		if s.Port < 0 || s.Port > 65535 || (s.Protocol != "tcp" && s.Protocol != "http") {
			t.Fatalf("service %q: port %d protocol %q", s.Name, s.Port, s.Protocol)
		}
	}
}

// isLabel is an independent reading of "one lower-case DNS label" (RFC 1123
// host name syntax): 1 to 63 of a-z, 0-9 and '-', not starting or ending
// with '-'.
func isLabel(l string) bool {
	return len(l) > 0 && len(l) <= 63 && strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-") == "" &&
		l[0] != '-' && l[len(l)-1] != '-'
}

// TestParseServicesNames: service names and zones become DNS names, SRV
// records written as zone-file text, and SPIFFE IDs, so only lower-case
// DNS labels are taken (FuzzParseServices found a tab, an underscore and
// upper case accepted, and any zone at all).
func TestParseServicesNames(t *testing.T) {
	svc := func(zone, name string) string {
		return "zone = \"" + zone + "\"\n[[service]]\nname = \"" + name + "\"\nprotocol = \"tcp\"\n"
	}
	long := strings.Repeat("a", 63)
	for _, tt := range []struct {
		name, file, want string
	}{
		{"tab in name", svc("localca.test.", `x\ty`), "must be one DNS label"},
		{"underscore", svc("localca.test.", "a_b"), "must be one DNS label"},
		{"upper case", svc("localca.test.", "Api"), "must be one DNS label"},
		{"leading hyphen", svc("localca.test.", "-a"), "must be one DNS label"},
		{"64 octets", svc("localca.test.", long+"a"), "must be one DNS label"},
		{"space in zone", svc("a b.", "a"), `label "a b"`},
		{"empty zone label", svc("a..test", "a"), `label ""`},
		{"root zone", svc(".", "a"), `label ""`},
		{"host over 253", svc(strings.Repeat(long+".", 3)+"test.", long), "over 253"},
		{"a fine one", svc("dev.test", "a-1"), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.file), "s.toml")
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "s.toml: ") {
				t.Fatalf("got %v, want an error naming s.toml and saying %q", err, tt.want)
			}
		})
	}
}
