package va

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// http01 is RFC 8555 8.3: GET http://NAME/.well-known/acme-challenge/TOKEN
// on the HTTP port answers the key authorization. Redirects are followed
// only to the same host (at most 3), and always to the configured ports.
func (v *Validator) http01(ctx context.Context, identType, name, token, keyAuth string) error {
	host := name
	if identType == "ip" && strings.Contains(name, ":") {
		host = "[" + name + "]"
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			p := v.port(false)
			if port == "443" {
				p = v.port(true)
			}
			return v.dial(ctx, identType, name, p)
		},
		DisableKeepAlives:      true,
		ResponseHeaderTimeout:  v.dialTimeout(),
		MaxResponseHeaderBytes: 16 << 10,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("%w: more than %d redirects", ErrConnection, maxRedirects)
			}
			if !strings.EqualFold(req.URL.Hostname(), name) {
				return fmt.Errorf("%w: redirect off the name's host, to %q", ErrIncorrect, req.URL.Host)
			}
			return nil
		},
	}
	url := "http://" + host + "/.well-known/acme-challenge/" + token
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConnection, err)
	}
	req.Header.Set("User-Agent", "localca-acme-validator")
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, ErrIncorrect) || errors.Is(err, ErrConnection) || errors.Is(err, ErrDNS) {
			return err
		}
		return fmt.Errorf("%w: GET %s: %w", ErrConnection, url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: GET %s answered %s", ErrIncorrect, url, resp.Status)
	}
	if got := strings.TrimRight(string(body), " \t\r\n"); got != keyAuth {
		return fmt.Errorf("%w: GET %s answered %q, want the key authorization %q", ErrIncorrect, url, truncate(got), keyAuth)
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}
