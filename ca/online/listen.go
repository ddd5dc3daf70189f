package online

import (
	"fmt"
	"net"
	"net/url"
)

// Listen opens a TCP listener on addr and returns it with the base URL
// clients reach it at: rawURL, which must be scheme://HOST[:PORT] with no
// path (ErrBadURL), or, when "", scheme:// and the listener's address (so
// that with port 0 the URL names the port the system picked). These are
// Config's TLS and URL ("https"), or Plain and PlainURL ("http").
func Listen(scheme, addr, rawURL string) (net.Listener, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("listening on %s: %w", addr, err)
	}
	if rawURL == "" {
		rawURL = scheme + "://" + ln.Addr().String()
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != scheme || u.Hostname() == "" || u.Path != "" && u.Path != "/" || u.RawQuery != "" {
		ln.Close()
		return nil, "", fmt.Errorf("%w: %q must be %s://HOST[:PORT] with no path", ErrBadURL, rawURL, scheme)
	}
	return ln, scheme + "://" + u.Host, nil
}

// PlainAddr is where the plain-HTTP listener listens, given addr (the TLS
// listener's) and httpAddr (the plain one's, given says whether by the
// user or as the default): none (false) when httpAddr is "off"; with addr
// on port 0 (tests, scripts) and httpAddr the default, 127.0.0.1:0 too, so
// that two servers started so do not collide on the default port.
func PlainAddr(addr, httpAddr string, given bool) (string, bool) {
	if httpAddr == "off" {
		return "", false
	}
	if _, port, _ := net.SplitHostPort(addr); port == "0" && !given {
		return "127.0.0.1:0", true
	}
	return httpAddr, true
}
