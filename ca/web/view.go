package web

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/policies"
)

// The views are what the templates print: every value is prepared here,
// as text, so that the templates hold no logic and html/template escapes
// everything that came from a certificate, a CSR or a token.

// pageView is one page. Sections left nil are not shown.
type pageView struct {
	Title     string
	Error     string
	CA        *caView
	Trust     *trustView
	Inventory *inventoryView
	Revoked   []certRow
	Activity  []eventView
	NeedToken bool // the inventory is there for a read token: show the form
	Detail    *detailView
	Links     []linkView
}

type linkView struct{ Name, Href, Note string }

// caView is the CA section: both certificates and the policy's profiles.
type caView struct {
	Certs           []authorityView
	NameConstraints []string
	Profiles        []string
}

type authorityView struct {
	Role, Subject, SHA256, Key, NotBefore, NotAfter, Left, Status string
}

func (p *Page) caView() *caView {
	c := p.cfg.CA
	now := p.cfg.Now()
	v := &caView{}
	for _, a := range []struct {
		role string
		cert *x509.Certificate
	}{{"Root", c.Root()}, {"Intermediate (signs the certificates)", c.Intermediate()}} {
		sum := sha256.Sum256(a.cert.Raw)
		alg, size := ca.DescribeKey(a.cert.PublicKey)
		v.Certs = append(v.Certs, authorityView{
			Role: a.role, Subject: a.cert.Subject.String(), SHA256: hex.EncodeToString(sum[:]),
			Key: fmt.Sprintf("%s %d", alg, size), NotBefore: day(a.cert.NotBefore), NotAfter: day(a.cert.NotAfter),
			Left: left(a.cert.NotAfter, now), Status: "active",
		})
	}
	if at, reason := c.IntermediateRevoked(); !at.IsZero() {
		v.Certs[1].Status = fmt.Sprintf("revoked %s (%s): it signs nothing more", stamp(at), orNone(ca.ReasonName(reason)))
	}
	v.NameConstraints = nameConstraints(c.Intermediate())
	v.Profiles = profileSentences(c.Policy())
	return v
}

func nameConstraints(cert *x509.Certificate) []string {
	var out []string
	add := func(what string, list []string) {
		if len(list) > 0 {
			out = append(out, what+": "+strings.Join(list, ", "))
		}
	}
	add("DNS names permitted", cert.PermittedDNSDomains)
	add("DNS names excluded", cert.ExcludedDNSDomains)
	ips := make([]string, len(cert.PermittedIPRanges))
	for i, r := range cert.PermittedIPRanges {
		ips[i] = r.String()
	}
	add("IP ranges permitted", ips)
	add("email domains permitted", cert.PermittedEmailAddresses)
	add("URI domains permitted", cert.PermittedURIDomains)
	if len(out) == 0 {
		out = append(out, "none: the intermediate may sign any name its policy allows")
	}
	return out
}

// profileSentences says each profile of the policy in one sentence.
func profileSentences(pol *policies.Policy) []string {
	purpose := map[string]string{
		policies.ProfileServer:       "TLS server certificates (serverAuth)",
		policies.ProfileClient:       "TLS client certificates (clientAuth)",
		policies.ProfilePeer:         "mTLS peers, both server and client",
		policies.ProfileIntermediate: "subordinate CA certificates",
	}
	var out []string
	for _, name := range policies.ProfileNames() {
		r, err := pol.Profile(name)
		if err != nil {
			continue
		}
		var names []string
		for _, n := range []struct {
			what  string
			allow []string
		}{{"DNS", r.DNS.Allow}, {"IP", r.IP.Allow}, {"email", r.Email.Allow}, {"URI", r.URI.Allow}} {
			if len(n.allow) > 0 {
				names = append(names, n.what+" "+strings.Join(n.allow, ", "))
			}
		}
		s := name + ": " + purpose[name]
		if len(names) > 0 {
			s += " for " + strings.Join(names, "; ")
		}
		if r.Wildcards {
			s += ", wildcards allowed"
		}
		s += fmt.Sprintf(", valid %s by default and at most %s.", days(time.Duration(r.Validity.Default)), days(time.Duration(r.Validity.Max)))
		out = append(out, s)
	}
	return out
}

func (p *Page) links() []linkView {
	plain := p.cfg.HTTPBaseURL
	if plain == "" {
		plain = p.cfg.BaseURL
	}
	out := []linkView{
		{"Trust this CA", p.cfg.BaseURL + pathTrust, "steps per platform, the QR code"},
		{"CRL (intermediate)", plain + "/crl", "DER, what leaves' CRL distribution point names"},
		{"CRL (root)", plain + "/crl/root", "DER, lists a revoked intermediate"},
		{"OCSP", plain + "/ocsp", "RFC 6960, POST or GET /ocsp/BASE64"},
		{"Intermediate", plain + "/intermediate.crt", "DER, what leaves' caIssuers names"},
	}
	if p.cfg.ACMEDirectory != "" {
		out = append(out, linkView{"ACME directory", p.cfg.ACMEDirectory, "RFC 8555, for certbot, lego, Caddy"})
	}
	return out
}

func day(t time.Time) string   { return t.UTC().Format("2006-01-02") }
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func orNone(s string) string {
	if s == "" {
		return "no reason given"
	}
	return s
}

func days(d time.Duration) string {
	if d < policies.Day {
		return d.String()
	}
	if n := int(d / policies.Day); n != 1 {
		return fmt.Sprintf("%d days", n)
	}
	return "1 day"
}

// left says how long until t: "in 89 days", "in 5h", "3 days ago".
func left(t, now time.Time) string {
	d := t.Sub(now)
	ago := d < 0
	if ago {
		d = -d
	}
	var s string
	switch {
	case d >= 48*time.Hour:
		s = fmt.Sprintf("%d days", int(d/policies.Day))
	case d >= time.Hour:
		s = fmt.Sprintf("%dh", int(d.Hours()))
	default:
		s = fmt.Sprintf("%dm", int(d.Minutes()))
	}
	if ago {
		return s + " ago"
	}
	return "in " + s
}
