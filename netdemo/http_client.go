package netdemo

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// NewHTTPClient returns an http.Client for the demo: TLS from cfg (nil for
// plain HTTP), HTTP/2 attempted, and every phase bounded by timeout (zero
// means DefaultDialTimeout).
func NewHTTPClient(cfg *tls.Config, timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	// With a custom TLS config net/http only tries HTTP/2 when forced; force
	// it unless the caller's ALPN list leaves h2 out (to demo HTTP/1.1).
	h2 := cfg == nil || len(cfg.NextProtos) == 0 || slices.Contains(cfg.NextProtos, "h2")
	tr := &http.Transport{
		TLSClientConfig:        cfg,
		ForceAttemptHTTP2:      h2,
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}

// Whoami asks baseURL's /whoami and decodes the answer. A non-200 answer is
// an error carrying the status and the start of the body.
func Whoami(ctx context.Context, client *http.Client, baseURL string) (*ConnInfo, error) {
	url := strings.TrimSuffix(baseURL, "/") + "/whoami"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("netdemo: http: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("netdemo: http: GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("netdemo: http: GET %s: reading body: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("netdemo: http: GET %s: %s: %.200s", url, resp.Status, body)
	}
	var info ConnInfo
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, fmt.Errorf("netdemo: http: GET %s: decoding answer: %w", url, err)
	}
	return &info, nil
}

// HTTPClientDemo is `localca demo http-client`: GET /whoami and print what
// the server saw of us, plus what we saw of the connection.
func HTTPClientDemo(ctx context.Context, client *http.Client, baseURL string, out io.Writer) error {
	info, err := Whoami(ctx, client, baseURL)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(info)
}
