package va

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"net"
	"slices"
	"strings"
)

// idPeACMEIdentifier is the extension of RFC 8737 3.
var idPeACMEIdentifier = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 31}

// tlsALPN01 is RFC 8737: a TLS handshake with ALPN acme-tls/1 and SNI the
// name (RFC 8738 6: the reverse name for an address) gets a self-signed
// certificate for exactly that identifier, carrying the critical
// acmeIdentifier extension with SHA-256 of the key authorization.
func (v *Validator) tlsALPN01(ctx context.Context, identType, name, keyAuth string) error {
	conn, err := v.dial(ctx, identType, name, v.port(true))
	if err != nil {
		return err
	}
	defer conn.Close()
	sni := name
	if identType == "ip" {
		if sni, err = reverseName(name); err != nil {
			return err
		}
	}
	tc := tls.Client(conn, &tls.Config{
		ServerName:         sni,
		NextProtos:         []string{"acme-tls/1"},
		InsecureSkipVerify: true, // the certificate is self-signed by design; checked below
		MinVersion:         tls.VersionTLS12,
	})
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("%w: handshake with %q: %w", ErrTLS, name, err)
	}
	st := tc.ConnectionState()
	if st.NegotiatedProtocol != "acme-tls/1" {
		return fmt.Errorf("%w: %q did not negotiate ALPN acme-tls/1", ErrIncorrect, name)
	}
	if len(st.PeerCertificates) == 0 {
		return fmt.Errorf("%w: %q sent no certificate", ErrIncorrect, name)
	}
	return checkALPNCert(st.PeerCertificates[0], identType, name, keyAuth)
}

func checkALPNCert(c *x509.Certificate, identType, name, keyAuth string) error {
	if identType == "ip" {
		ip := net.ParseIP(name)
		if len(c.DNSNames) != 0 || len(c.IPAddresses) != 1 || !c.IPAddresses[0].Equal(ip) {
			return fmt.Errorf("%w: the certificate must name exactly %q", ErrIncorrect, name)
		}
	} else if len(c.IPAddresses) != 0 || !slices.Equal(lower(c.DNSNames), []string{strings.ToLower(name)}) {
		return fmt.Errorf("%w: the certificate must name exactly %q, not %q", ErrIncorrect, name, c.DNSNames)
	}
	want := sha256.Sum256([]byte(keyAuth))
	for _, e := range c.Extensions {
		if !e.Id.Equal(idPeACMEIdentifier) {
			continue
		}
		if !e.Critical {
			return fmt.Errorf("%w: the acmeIdentifier extension is not critical", ErrIncorrect)
		}
		var got []byte
		if rest, err := asn1.Unmarshal(e.Value, &got); err != nil || len(rest) > 0 {
			return fmt.Errorf("%w: the acmeIdentifier extension is not an OCTET STRING", ErrIncorrect)
		}
		if !bytes.Equal(got, want[:]) {
			return fmt.Errorf("%w: the acmeIdentifier extension holds another key authorization's digest", ErrIncorrect)
		}
		return nil
	}
	return fmt.Errorf("%w: the certificate has no acmeIdentifier extension", ErrIncorrect)
}

func lower(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.ToLower(s)
	}
	return out
}

// reverseName is an address's in-addr.arpa or ip6.arpa name, without the
// final dot (RFC 8738 6).
func reverseName(ip string) (string, error) {
	r, err := dnsReverse(ip)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrUnsupported, ip, err)
	}
	return strings.TrimSuffix(r, "."), nil
}
