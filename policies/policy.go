package policies

import (
	"fmt"
	"time"
)

// The profiles a policy may define. A request names one; "" means server.
const (
	ProfileServer       = "server"
	ProfileClient       = "client"
	ProfilePeer         = "peer"
	ProfileIntermediate = "intermediate"
)

// Rule names, spelled like the keys of the policy file so a violation points
// at the line to edit.
const (
	ruleDNSAllow      = "dns.allow"
	ruleDNSDeny       = "dns.deny"
	ruleDNSSyntax     = "dns.syntax"
	ruleWildcards     = "wildcards"
	ruleIPAllow       = "ip.allow"
	ruleIPDeny        = "ip.deny"
	ruleIPSyntax      = "ip.syntax"
	ruleEmailAllow    = "email.allow"
	ruleEmailDeny     = "email.deny"
	ruleEmailSyntax   = "email.syntax"
	ruleURIAllow      = "uri.allow"
	ruleURIDeny       = "uri.deny"
	ruleURISyntax     = "uri.syntax"
	ruleKey           = "key"
	ruleKeyAlgorithms = "key.algorithms"
	ruleKeyCurves     = "key.curves"
	ruleKeyRSAMin     = "key.rsa_min_bits"
	ruleKeyRSAMax     = "key.rsa_max_bits"
	ruleValidity      = "validity"
	ruleValidityMax   = "validity.max"
	ruleNames         = "names"
)

// Policy is what the CA may sign. Its shape is the policy file's shape (see
// the package documentation); a Policy holds only plain values, so it is safe
// for concurrent use and two policies compare with reflect.DeepEqual.
// Patterns are compiled on each Check, which costs microseconds.
type Policy struct {
	Key      KeyRules `toml:"key"`
	Profiles Profiles `toml:"profiles"`
}

// Profiles holds one set of rules per profile. A nil profile is not offered:
// requests for it fail with ErrUnknownProfile.
type Profiles struct {
	Server       *ProfileRules `toml:"server"`
	Client       *ProfileRules `toml:"client"`
	Peer         *ProfileRules `toml:"peer"`
	Intermediate *ProfileRules `toml:"intermediate"`
}

// ProfileRules are the rules of one profile. Name rules (DNS, IP, Email,
// URI, Wildcards) apply to leaf profiles only; an intermediate carries no
// names, its name constraints are built from the leaf profiles.
type ProfileRules struct {
	Validity  ValidityRules `toml:"validity"`
	Wildcards bool          `toml:"wildcards"`
	DNS       NameRules     `toml:"dns"`
	IP        NameRules     `toml:"ip"`
	Email     NameRules     `toml:"email"`
	URI       NameRules     `toml:"uri"`
}

// NameRules is an allow list and a deny list of patterns. A name must match
// an allow pattern and no deny pattern: deny wins. An empty allow list allows
// nothing.
type NameRules struct {
	Allow []string `toml:"allow"`
	Deny  []string `toml:"deny"`
}

// ValidityRules bound a certificate's lifetime: Default when the request
// names none, and Max which no request may exceed.
type ValidityRules struct {
	Default Duration `toml:"default"`
	Max     Duration `toml:"max"`
}

// KeyRules say which public keys may be certified. They apply to every
// profile and to the CA's own keys (CheckKey).
type KeyRules struct {
	Algorithms []string `toml:"algorithms"`   // "rsa", "ecdsa", "ed25519"
	RSAMinBits int      `toml:"rsa_min_bits"` // at least 2048
	RSAMaxBits int      `toml:"rsa_max_bits"` // at most 16384
	Curves     []string `toml:"curves"`       // "P-256", "P-384", "P-521"
}

// Day is 24 hours, the unit of validity in policy files.
const Day = 24 * time.Hour

// Default returns the built-in policy: a development CA that signs for
// localhost, *.localhost, every name under .test and .internal, loopback and
// private address ranges, and SPIFFE IDs in the localca.test trust domain,
// and for nothing public. Each call returns a fresh copy.
func Default() *Policy {
	dns := []string{"localhost", "*.localhost", ".test", ".internal"}
	ips := []string{
		"127.0.0.0/8", "::1/128", // loopback
		"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", // RFC 1918
		"fc00::/7", // unique local IPv6
	}
	uris := []string{"spiffe://localca.test/*"}
	leaf := func(def, max time.Duration, wildcards bool) *ProfileRules {
		return &ProfileRules{
			Validity:  ValidityRules{Default: Duration(def), Max: Duration(max)},
			Wildcards: wildcards,
			DNS:       NameRules{Allow: append([]string(nil), dns...)},
			IP:        NameRules{Allow: append([]string(nil), ips...)},
			URI:       NameRules{Allow: append([]string(nil), uris...)},
		}
	}
	client := leaf(90*Day, 398*Day, false)
	client.Email = NameRules{Allow: append([]string(nil), dns...)}
	return &Policy{
		Key: KeyRules{
			Algorithms: []string{"ecdsa", "ed25519", "rsa"},
			RSAMinBits: 2048,
			RSAMaxBits: 8192,
			Curves:     []string{"P-256", "P-384"},
		},
		Profiles: Profiles{
			Server: leaf(90*Day, 398*Day, true),
			Client: client,
			Peer:   leaf(24*time.Hour, 398*Day, false),
			Intermediate: &ProfileRules{
				Validity: ValidityRules{Default: Duration(5 * 365 * Day), Max: Duration(10 * 365 * Day)},
			},
		},
	}
}

// ProfileNames lists the profiles in the order the file and messages use.
func ProfileNames() []string {
	return []string{ProfileServer, ProfileClient, ProfilePeer, ProfileIntermediate}
}

// LeafProfiles lists the profiles that issue end-entity certificates.
func LeafProfiles() []string {
	return []string{ProfileServer, ProfileClient, ProfilePeer}
}

// Profile returns the rules of the named profile ("" means server). A name
// that is not a profile, or a profile the policy leaves out, is
// ErrUnknownProfile.
func (p *Policy) Profile(name string) (*ProfileRules, error) {
	if name == "" {
		name = ProfileServer
	}
	var r *ProfileRules
	switch name {
	case ProfileServer:
		r = p.Profiles.Server
	case ProfileClient:
		r = p.Profiles.Client
	case ProfilePeer:
		r = p.Profiles.Peer
	case ProfileIntermediate:
		r = p.Profiles.Intermediate
	case ProfileFixtures:
		return fixtureRules(), nil
	default:
		return nil, fmt.Errorf("%w %q (profiles: server, client, peer, intermediate, fixtures)", ErrUnknownProfile, name)
	}
	if r == nil {
		return nil, fmt.Errorf("%w %q: the policy does not define it", ErrUnknownProfile, name)
	}
	return r, nil
}
