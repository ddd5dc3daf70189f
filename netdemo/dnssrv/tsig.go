package dnssrv

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/miekg/dns"
)

// TSIGKey is a shared secret for signing DNS UPDATE messages (RFC 8945),
// always HMAC-SHA256. Name is a domain name (e.g. "localca-update.");
// Secret is the base64 of the raw key, as nsupdate and BIND's key files
// write it.
type TSIGKey struct {
	Name   string
	Secret string
	// Allow, if set, limits the names the key may update: a name, or
	// "*.suffix" for any name under suffix (an ACME client's key:
	// "_acme-challenge.app.localca.test"). Types, if set, limits the record
	// types ("TXT"). The zone's own key has neither.
	Allow []string
	Types []string
}

// NewTSIGKey returns a key named name with a random 256-bit secret from
// crypto/rand.
func NewTSIGKey(name string) (TSIGKey, error) {
	if _, ok := dns.IsDomainName(name); !ok || strings.Trim(name, ".") == "" {
		return TSIGKey{}, fmt.Errorf("%w: name %q", ErrTSIGKey, name)
	}
	raw := make([]byte, sha256.Size)
	if _, err := rand.Read(raw); err != nil {
		return TSIGKey{}, fmt.Errorf("%w: %w", ErrTSIGKey, err)
	}
	return TSIGKey{Name: dns.CanonicalName(name), Secret: base64.StdEncoding.EncodeToString(raw)}, nil
}

// NsupdateArg returns the argument of `nsupdate -y`:
// "hmac-sha256:NAME:SECRET" (NAME without its final dot).
func (k TSIGKey) NsupdateArg() string {
	return "hmac-sha256:" + strings.TrimSuffix(dns.CanonicalName(k.Name), ".") + ":" + k.Secret
}

// tsigProvider verifies and signs with HMAC-SHA256 keys looked up by
// canonical name (miekg's map provider is case-sensitive and accepts every
// HMAC algorithm; we accept only the one we document). Its keys can be
// replaced while the server runs (Server.SetKeys): a revoked key stops at
// once.
type tsigProvider struct {
	keys atomic.Pointer[map[string]tsigEntry]
}

type tsigEntry struct {
	secret []byte
	key    TSIGKey
	types  map[uint16]bool
}

func newTSIGProvider(keys []TSIGKey) (*tsigProvider, error) {
	p := &tsigProvider{}
	return p, p.set(keys)
}

func (p *tsigProvider) set(keys []TSIGKey) error {
	m := map[string]tsigEntry{}
	for _, k := range keys {
		if _, ok := dns.IsDomainName(k.Name); !ok || strings.Trim(k.Name, ".") == "" {
			return fmt.Errorf("%w: name %q", ErrTSIGKey, k.Name)
		}
		raw, err := base64.StdEncoding.DecodeString(k.Secret)
		if err != nil || len(raw) == 0 {
			return fmt.Errorf("%w: secret of %q is not base64", ErrTSIGKey, k.Name)
		}
		e := tsigEntry{secret: raw, key: k}
		for _, t := range k.Types {
			code, ok := dns.StringToType[strings.ToUpper(t)]
			if !ok {
				return fmt.Errorf("%w: key %q: unknown record type %q", ErrTSIGKey, k.Name, t)
			}
			if e.types == nil {
				e.types = map[uint16]bool{}
			}
			e.types[code] = true
		}
		m[dns.CanonicalName(k.Name)] = e
	}
	p.keys.Store(&m)
	return nil
}

func (p *tsigProvider) entry(name string) (tsigEntry, bool) {
	m := p.keys.Load()
	if m == nil {
		return tsigEntry{}, false
	}
	e, ok := (*m)[dns.CanonicalName(name)]
	return e, ok
}

// permits reports whether the key may change rr.
func (e tsigEntry) permits(rr dns.RR) bool {
	h := rr.Header()
	if e.types != nil && !e.types[h.Rrtype] {
		return false
	}
	if len(e.key.Allow) == 0 {
		return true
	}
	name := dns.CanonicalName(h.Name)
	for _, a := range e.key.Allow {
		if suffix, ok := strings.CutPrefix(a, "*."); ok {
			if dns.IsSubDomain(dns.CanonicalName(suffix), name) && name != dns.CanonicalName(suffix) {
				return true
			}
		} else if dns.CanonicalName(a) == name {
			return true
		}
	}
	return false
}

// Generate implements dns.TsigProvider.
func (p *tsigProvider) Generate(msg []byte, t *dns.TSIG) ([]byte, error) {
	e, ok := p.entry(t.Hdr.Name)
	if !ok {
		return nil, dns.ErrSecret
	}
	secret := e.secret
	if dns.CanonicalName(t.Algorithm) != dns.HmacSHA256 {
		return nil, dns.ErrKeyAlg
	}
	h := hmac.New(sha256.New, secret)
	h.Write(msg)
	return h.Sum(nil), nil
}

// Verify implements dns.TsigProvider.
func (p *tsigProvider) Verify(msg []byte, t *dns.TSIG) error {
	want, err := p.Generate(msg, t)
	if err != nil {
		return err
	}
	got, err := hex.DecodeString(t.MAC)
	if err != nil || !hmac.Equal(want, got) {
		return dns.ErrSig
	}
	return nil
}
