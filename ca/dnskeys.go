package ca

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/localca/localca/store"
)

// DNSKey is a TSIG key for RFC 2136 updates of the zone, limited to some
// names (Allow: a name, or "*.suffix" for any name under suffix) and
// record types (Types, e.g. "TXT"; empty: any). The zone's own key
// (`localca dns key`) is not one of these: it may change anything.
type DNSKey struct {
	Name    string    `json:"name"`
	Secret  string    `json:"secret"` // base64, HMAC-SHA256
	Allow   []string  `json:"allow"`
	Types   []string  `json:"types,omitempty"`
	Created time.Time `json:"created"`
}

// NsupdateArg is the argument of `nsupdate -y`.
func (k DNSKey) NsupdateArg() string {
	return "hmac-sha256:" + strings.TrimSuffix(k.Name, ".") + ":" + k.Secret
}

// CreateKey makes and stores a limited update key. allow is required: a key
// for every name is the zone's own key.
func (z DNSZone) CreateKey(name string, allow, types []string) (DNSKey, error) {
	name = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
	if !dnsName(name) {
		return DNSKey{}, fmt.Errorf("%w: name %q is not a DNS name", ErrBadDNSKey, name)
	}
	if len(allow) == 0 {
		return DNSKey{}, fmt.Errorf("%w: %q needs the names it may update (--allow)", ErrBadDNSKey, name)
	}
	k := DNSKey{Name: name + ".", Created: time.Now().UTC()}
	for _, a := range allow {
		a = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(a), "."))
		if !dnsName(strings.TrimPrefix(a, "*.")) {
			return DNSKey{}, fmt.Errorf("%w: allow pattern %q: a name, or *.NAME", ErrBadDNSKey, a)
		}
		k.Allow = append(k.Allow, a)
	}
	for _, t := range types {
		t = strings.ToUpper(strings.TrimSpace(t))
		if t == "" || strings.Trim(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			return DNSKey{}, fmt.Errorf("%w: record type %q", ErrBadDNSKey, t)
		}
		k.Types = append(k.Types, t)
	}
	var err error
	if k.Secret, err = newDNSSecret(); err != nil {
		return DNSKey{}, err
	}
	err = z.write(func(st *store.Store) error {
		if err := z.Secrets.Prepare(st); err != nil {
			return err
		}
		kept := k
		sealed, err := z.Secrets.Seal(st, "dnskey/"+k.Name, []byte(k.Secret))
		if err != nil {
			return err
		}
		kept.Secret = string(sealed)
		data, err := json.Marshal(kept)
		if err != nil {
			return err
		}
		return st.PutDNSKey(k.Name, data)
	})
	if err != nil {
		return DNSKey{}, fmt.Errorf("ca: storing DNS key %q: %w", k.Name, err)
	}
	return k, nil
}

// ACMEChallengeKey makes a key that may change only the TXT records
// _acme-challenge.NAME of names (a wildcard's is its base name's), for an
// ACME client's dns-01 (lego's rfc2136 provider, certbot-dns-rfc2136).
func (z DNSZone) ACMEChallengeKey(name string, names []string) (DNSKey, error) {
	var allow []string
	for _, n := range names {
		allow = append(allow, "_acme-challenge."+strings.TrimPrefix(n, "*."))
	}
	return z.CreateKey(name, allow, []string{"TXT"})
}

// Keys returns the limited keys, by name. Without z.Secrets a sealed
// secret is returned empty: enough to list the keys, not to check updates.
func (z DNSZone) Keys() ([]DNSKey, error) {
	var raw map[string][]byte
	st, err := z.openRead()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	raw, err = st.DNSKeys()
	if err != nil {
		return nil, err
	}
	out := make([]DNSKey, 0, len(raw))
	for name, v := range raw {
		var k DNSKey
		if err := json.Unmarshal(v, &k); err != nil {
			return nil, fmt.Errorf("%w: DNS key %q: %v", store.ErrCorrupt, name, err)
		}
		if Sealed([]byte(k.Secret)) && z.Secrets == nil {
			k.Secret = "" // listed without the password: the secret stays sealed
		} else {
			plain, err := z.Secrets.Open(st, "dnskey/"+k.Name, []byte(k.Secret))
			if err != nil {
				return nil, fmt.Errorf("ca: DNS key %q: %w", name, err)
			}
			k.Secret = string(plain)
		}
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// RevokeKey deletes a limited key: servers refuse it from their next
// reload of the keys (every sync).
func (z DNSZone) RevokeKey(name string) error {
	name = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), ".")) + "."
	return z.write(func(st *store.Store) error { return st.DeleteDNSKey(name) })
}

// ZoneKey is the zone's own update key, named name, which may change
// anything: made on first use and kept in the store, so that every DNS
// server of the store (dns serve, up) accepts the same key.
func (z DNSZone) ZoneKey(name string) (DNSKey, error) {
	name = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), ".")) + "."
	secret, err := z.Setting("tsig."+name, newDNSSecret)
	if err != nil {
		return DNSKey{}, fmt.Errorf("ca: the zone's update key %q: %w", name, err)
	}
	return DNSKey{Name: name, Secret: secret}, nil
}

// newDNSSecret is a random 256-bit HMAC-SHA256 secret, base64.
func newDNSSecret() (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("ca: DNS key secret: %w", err)
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}

func dnsName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if l == "" || len(l) > 63 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
			return false
		}
	}
	return true
}
