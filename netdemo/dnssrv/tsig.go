package dnssrv

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// TSIGKey is a shared secret for signing DNS UPDATE messages (RFC 8945),
// always HMAC-SHA256. Name is a domain name (e.g. "localca-update.");
// Secret is the base64 of the raw key, as nsupdate and BIND's key files
// write it.
type TSIGKey struct {
	Name   string
	Secret string
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
// HMAC algorithm; we accept only the one we document).
type tsigProvider map[string][]byte

func newTSIGProvider(keys []TSIGKey) (tsigProvider, error) {
	p := tsigProvider{}
	for _, k := range keys {
		if _, ok := dns.IsDomainName(k.Name); !ok || strings.Trim(k.Name, ".") == "" {
			return nil, fmt.Errorf("%w: name %q", ErrTSIGKey, k.Name)
		}
		raw, err := base64.StdEncoding.DecodeString(k.Secret)
		if err != nil || len(raw) == 0 {
			return nil, fmt.Errorf("%w: secret of %q is not base64", ErrTSIGKey, k.Name)
		}
		p[dns.CanonicalName(k.Name)] = raw
	}
	return p, nil
}

// Generate implements dns.TsigProvider.
func (p tsigProvider) Generate(msg []byte, t *dns.TSIG) ([]byte, error) {
	secret, ok := p[dns.CanonicalName(t.Hdr.Name)]
	if !ok {
		return nil, dns.ErrSecret
	}
	if dns.CanonicalName(t.Algorithm) != dns.HmacSHA256 {
		return nil, dns.ErrKeyAlg
	}
	h := hmac.New(sha256.New, secret)
	h.Write(msg)
	return h.Sum(nil), nil
}

// Verify implements dns.TsigProvider.
func (p tsigProvider) Verify(msg []byte, t *dns.TSIG) error {
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
