package policies

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// URI patterns are scheme://host/path, where host is a DNS pattern and the
// path is exact or ends in "/*" (anything below, any depth):
//
//	spiffe://localca.test/*             every SPIFFE ID of the localca.test trust domain
//	spiffe://localca.test/ns/prod/*     every ID under /ns/prod/
//	spiffe://localca.test/ns/prod/web   exactly that ID
//	https://.test/*                     any https URI with a path on any host under .test
//
// Requested URIs must be absolute with a host name, and carry no user, port,
// query or fragment; their paths must be clean (no empty, "." or ".."
// segments, no encoded slashes), so no path can climb out of a prefix.
type uriPattern struct {
	scheme string
	host   dnsPattern
	path   string // escaped; the prefix including its trailing "/" when any
	any    bool   // path ended in "/*"
	text   string
}

func (p uriPattern) String() string { return p.text }

func parseURIPattern(s string) (uriPattern, error) {
	p := uriPattern{text: s}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !validScheme(scheme) {
		return p, fmt.Errorf("pattern %q: want scheme://host/path", s)
	}
	p.scheme = strings.ToLower(scheme)
	host, path, _ := strings.Cut(rest, "/")
	hp, err := parseDNSPattern(host)
	if err != nil {
		return p, fmt.Errorf("pattern %q: host: %w", s, err)
	}
	p.host = hp
	if path != "" || strings.Contains(rest, "/") {
		path = "/" + path
	}
	if prefix, ok := strings.CutSuffix(path, "/*"); ok {
		p.any, path = true, prefix+"/"
	}
	u, err := url.Parse("x://h" + path)
	if err != nil || u.RawQuery != "" || u.Fragment != "" || strings.Contains(path, "?") || strings.Contains(path, "#") {
		return p, fmt.Errorf("pattern %q: bad path", s)
	}
	p.path = u.EscapedPath()
	if p.any {
		p.path = strings.TrimSuffix(p.path, "/") + "/"
	}
	if err := checkURIPath(p.path, u.Path); err != nil {
		return p, fmt.Errorf("pattern %q: %w", s, err)
	}
	return p, nil
}

// match takes a URI that normalizeURI accepted.
func (p uriPattern) match(u *url.URL) bool {
	if u.Scheme != p.scheme || !p.host.match(u.Host) {
		return false
	}
	path := u.EscapedPath()
	if p.any {
		return len(path) > len(p.path) && strings.HasPrefix(path, p.path)
	}
	return path == p.path
}

// normalizeURI returns the URI as the certificate will carry it.
func normalizeURI(u *url.URL) (*url.URL, error) {
	switch {
	case u == nil:
		return nil, errors.New("nil URI")
	case u.Opaque != "" || u.Scheme == "":
		return nil, errors.New("not an absolute scheme://host/path URI")
	case u.User != nil:
		return nil, errors.New("has user information")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, errors.New("has a query")
	case u.Fragment != "" || u.RawFragment != "":
		return nil, errors.New("has a fragment")
	case u.Port() != "":
		return nil, errors.New("has a port")
	case !validScheme(u.Scheme):
		return nil, errors.New("bad scheme")
	}
	host, err := normalizeHostname(u.Hostname())
	if err != nil {
		return nil, fmt.Errorf("host: %w", err)
	}
	if err := checkURIPath(u.EscapedPath(), u.Path); err != nil {
		return nil, err
	}
	return &url.URL{Scheme: strings.ToLower(u.Scheme), Host: host, Path: u.Path, RawPath: u.RawPath}, nil
}

// checkURIPath refuses paths that could mean something other than they
// look: relative paths, empty segments (//), dot segments, encoded slashes
// and backslashes.
func checkURIPath(escaped, decoded string) error {
	if escaped == "" {
		return nil
	}
	if escaped[0] != '/' {
		return errors.New("path must start with /")
	}
	lower := strings.ToLower(escaped)
	if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") || strings.Contains(escaped, `\`) {
		return errors.New("path has an encoded slash or a backslash")
	}
	// One trailing slash is fine ("/", "/docs/"): it adds no segment to climb.
	for seg := range strings.SplitSeq(strings.TrimSuffix(decoded[1:], "/"), "/") {
		if seg == "" && decoded == "/" {
			break
		}
		switch seg {
		case "":
			return errors.New("path has an empty segment")
		case ".", "..":
			return errors.New("path has a dot segment")
		}
	}
	for i := 0; i < len(decoded); i++ {
		if decoded[i] < ' ' || decoded[i] == 0x7f {
			return errors.New("path has a control character")
		}
	}
	return nil
}

// validScheme follows RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (s[i] >= '0' && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.'):
		default:
			return false
		}
	}
	return true
}
