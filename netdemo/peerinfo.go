package netdemo

import (
	"crypto/tls"
	"crypto/x509"
	"time"

	"github.com/localca/localca/internal/serialhex"
)

// CertInfo describes a peer certificate for humans and scripts (the
// /whoami answer and the TCP greeting).
type CertInfo struct {
	Subject        string    `json:"subject"`
	DNSNames       []string  `json:"dns_names,omitempty"`
	URIs           []string  `json:"uris,omitempty"`
	IPAddresses    []string  `json:"ip_addresses,omitempty"`
	EmailAddresses []string  `json:"email_addresses,omitempty"`
	SPIFFEID       string    `json:"spiffe_id,omitempty"`
	Serial         string    `json:"serial"`
	Issuer         string    `json:"issuer"`
	NotBefore      time.Time `json:"not_before"`
	NotAfter       time.Time `json:"not_after"`
	// ValidityLeft is NotAfter minus now, truncated to the second, e.g. "719h59m58s".
	ValidityLeft        string `json:"validity_left"`
	ValidityLeftSeconds int64  `json:"validity_left_seconds"`
}

// ConnInfo describes a connection: the negotiated TLS parameters and the
// peer's certificate, if it sent one.
type ConnInfo struct {
	RemoteAddr  string    `json:"remote_addr,omitempty"`
	Protocol    string    `json:"protocol,omitempty"` // HTTP protocol, e.g. "HTTP/2.0"
	TLS         bool      `json:"tls"`
	TLSVersion  string    `json:"tls_version,omitempty"`
	CipherSuite string    `json:"cipher_suite,omitempty"`
	ALPN        string    `json:"alpn,omitempty"`
	ServerName  string    `json:"server_name,omitempty"`
	Resumed     bool      `json:"resumed"`
	Peer        *CertInfo `json:"peer,omitempty"`
}

// DescribeCertificate fills a CertInfo; now is used for ValidityLeft.
func DescribeCertificate(c *x509.Certificate, now time.Time) CertInfo {
	info := CertInfo{
		Subject:        c.Subject.String(),
		DNSNames:       c.DNSNames,
		EmailAddresses: c.EmailAddresses,
		Serial:         serialhex.FormatInt(c.SerialNumber),
		Issuer:         c.Issuer.String(),
		NotBefore:      c.NotBefore.UTC(),
		NotAfter:       c.NotAfter.UTC(),
	}
	for _, u := range c.URIs {
		info.URIs = append(info.URIs, u.String())
		if u.Scheme == "spiffe" && info.SPIFFEID == "" {
			info.SPIFFEID = u.String()
		}
	}
	for _, ip := range c.IPAddresses {
		info.IPAddresses = append(info.IPAddresses, ip.String())
	}
	left := c.NotAfter.Sub(now).Truncate(time.Second)
	info.ValidityLeft = left.String()
	info.ValidityLeftSeconds = int64(left / time.Second)
	return info
}

// DescribeConnection fills a ConnInfo from a TLS connection state (nil for
// a plain connection).
func DescribeConnection(cs *tls.ConnectionState, now time.Time) ConnInfo {
	if cs == nil {
		return ConnInfo{}
	}
	info := ConnInfo{
		TLS:         true,
		TLSVersion:  tls.VersionName(cs.Version),
		CipherSuite: tls.CipherSuiteName(cs.CipherSuite),
		ALPN:        cs.NegotiatedProtocol,
		ServerName:  cs.ServerName,
		Resumed:     cs.DidResume,
	}
	if len(cs.PeerCertificates) > 0 {
		ci := DescribeCertificate(cs.PeerCertificates[0], now)
		info.Peer = &ci
	}
	return info
}
