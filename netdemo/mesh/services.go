package mesh

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// File is a services file, what `localca up FILE` reads:
//
//	zone     = "localca.test."    # the DNS zone the services live in
//	dns      = "127.0.0.1:8053"   # where up serves that zone
//	validity = "2h"               # certificate lifetime (default: the peer profile's); --validity overrides
//
//	[[service]]
//	name     = "api"
//	protocol = "http"             # tcp (line echo) or http (/whoami, /echo)
//	port     = 0                  # 0: any free port; SRV records say which
//	allow    = ["web"]            # services that may call this one
type File struct {
	Zone     string    `toml:"zone"`
	DNS      string    `toml:"dns"`
	Validity Duration  `toml:"validity"`
	Services []Service `toml:"service"`
}

// Service is one [[service]] of a File. Allow names the services of the
// same file that may call it; an empty list admits no caller.
type Service struct {
	Name     string   `toml:"name"`
	Protocol string   `toml:"protocol"`
	Port     int      `toml:"port"`
	Allow    []string `toml:"allow"`
}

// Sample is what `localca up` runs with no file: two services, each
// allowed to call only the other in one direction, so one command shows
// discovery, mTLS, authorisation and a refusal.
const Sample = `# the sample set of localca up
zone = "localca.test."
dns  = "127.0.0.1:8053"

[[service]]
name     = "echo"
protocol = "tcp"
allow    = ["web"]      # web may call echo

[[service]]
name     = "web"
protocol = "http"
allow    = []           # nobody may call web
`

// Parse reads a services file; name (its path) prefixes every error. It
// fills in the defaults (zone localca.test., DNS on 127.0.0.1:8053) and
// refuses unknown keys, names that are not DNS labels, unknown protocols
// and allow lists naming strangers.
func Parse(data []byte, name string) (*File, error) {
	var f File
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("%s: unknown key %q", name, und[0].String())
	}
	if f.Zone == "" {
		f.Zone = "localca.test."
	}
	if !strings.HasSuffix(f.Zone, ".") {
		f.Zone += "."
	}
	// The zone and the names become DNS names, SRV records written as
	// zone-file text, and SPIFFE IDs, whose trust domain is lower case.
	for _, l := range strings.Split(strings.TrimSuffix(f.Zone, "."), ".") {
		if !isDNSLabel(l) {
			return nil, fmt.Errorf("%s: zone %q: label %q must be 1 to 63 lower-case letters, digits or hyphens", name, f.Zone, l)
		}
	}
	if f.DNS == "" {
		f.DNS = "127.0.0.1:8053"
	}
	if len(f.Services) == 0 {
		return nil, fmt.Errorf("%s: no [[service]]", name)
	}
	seen := map[string]bool{}
	for i, s := range f.Services {
		switch {
		case !isDNSLabel(s.Name):
			return nil, fmt.Errorf("%s: service %d: name %q must be one DNS label: 1 to 63 lower-case letters, digits or hyphens", name, i+1, s.Name)
		case len(s.Name)+len(f.Zone) > 253:
			return nil, fmt.Errorf("%s: service %q: host name %s is over 253 characters", name, s.Name, f.Host(s.Name))
		case seen[s.Name]:
			return nil, fmt.Errorf("%s: service %q listed twice", name, s.Name)
		case s.Protocol != "tcp" && s.Protocol != "http":
			return nil, fmt.Errorf("%s: service %q: protocol %q (want tcp or http)", name, s.Name, s.Protocol)
		case s.Port < 0 || s.Port > 65535:
			return nil, fmt.Errorf("%s: service %q: port %d", name, s.Name, s.Port)
		}
		seen[s.Name] = true
	}
	for _, s := range f.Services {
		for _, a := range s.Allow {
			if !seen[a] {
				return nil, fmt.Errorf("%s: service %q allows %q, which is not a service", name, s.Name, a)
			}
		}
	}
	return &f, nil
}

// isDNSLabel reports whether l is one lower-case host name label (RFC 1123):
// 1 to 63 letters, digits and hyphens, not starting or ending with a hyphen.
func isDNSLabel(l string) bool {
	if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, c := range []byte(l) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// Host is a service's DNS name without the final dot: what its certificate
// and the SRV target carry.
func (f *File) Host(name string) string { return name + "." + strings.TrimSuffix(f.Zone, ".") }

// SpiffeID is the service's one URI SAN, per the SPIFFE X509-SVID rules.
func (f *File) SpiffeID(name string) string {
	return "spiffe://" + strings.TrimSuffix(f.Zone, ".") + "/" + name
}

// Duration is a certificate lifetime in the file: whole days ("7d") or a
// Go duration ("2h", "90m").
type Duration time.Duration

// MarshalText writes Go's form ("2h0m0s").
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads "7d" or a Go duration; a unit is required.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	days, isDays := strings.CutSuffix(s, "d")
	n, err := strconv.ParseUint(days, 10, 16)
	v := time.Duration(n) * 24 * time.Hour
	if !isDays {
		v, err = time.ParseDuration(s)
	}
	if err != nil || v < 0 {
		return fmt.Errorf("duration %q: want days like \"90d\" or hours like \"24h\"", s)
	}
	*d = Duration(v)
	return nil
}
