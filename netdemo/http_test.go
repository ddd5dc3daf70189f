package netdemo

import (
	"bytes"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/serialhex"
)

func (e *demoEnv) startHTTP(t *testing.T, cfg *tls.Config, lim Limits) string {
	t.Helper()
	srv := &HTTPServer{TLS: cfg, Limits: lim, Log: e.log}
	return "https://" + serve(t, listen(t), srv.Serve)
}

func TestHTTPWhoami(t *testing.T) {
	e := newDemoEnv(t, time.Minute)
	alice := e.pki.Client(t, "alice")
	url := e.startHTTP(t, e.serverConfig(t, true, "uri:spiffe://localca.test/*"), Limits{})
	for _, proto := range []struct{ alpn, httpProto string }{{"h2", "HTTP/2.0"}, {"http/1.1", "HTTP/1.1"}} {
		t.Run(proto.alpn, func(t *testing.T) {
			cfg := e.clientConfig(t, alice, nil)
			cfg.NextProtos = []string{proto.alpn}
			left := time.Until(alice.Leaf.NotAfter) // measured before the server's clock reads
			info, err := Whoami(testCtx(t, 5*time.Second), NewHTTPClient(cfg, 5*time.Second), url)
			if err != nil {
				t.Fatal(err)
			}
			if info.ALPN != proto.alpn || info.Protocol != proto.httpProto || info.TLSVersion != "TLS 1.3" || info.CipherSuite == "" {
				t.Fatalf("connection info %+v", info)
			}
			p := info.Peer
			if p == nil {
				t.Fatal("no peer in the answer")
			}
			wantSerial := serialhex.FormatInt(alice.Leaf.SerialNumber)
			if p.Subject != "CN=alice" || p.SPIFFEID != "spiffe://localca.test/alice" || p.Serial != wantSerial ||
				p.Issuer != e.pki.Inter.Subject.String() || p.ValidityLeftSeconds < int64((left-time.Minute)/time.Second) || time.Duration(p.ValidityLeftSeconds)*time.Second > left {
				t.Fatalf("peer %+v (want serial %s, at most %s left)", p, wantSerial, left)
			}
		})
	}
	t.Run("no client certificate", func(t *testing.T) {
		// Over HTTP/1.1 the client error carries the alert; net/http's HTTP/2
		// client reports only "client conn could not be established".
		cfg := e.clientConfig(t, nil, nil)
		cfg.NextProtos = []string{"http/1.1"}
		_, err := Whoami(testCtx(t, 5*time.Second), NewHTTPClient(cfg, 5*time.Second), url)
		if err == nil || !strings.Contains(err.Error(), "certificate required") {
			t.Fatalf("err = %v, want the certificate required alert", err)
		}
		if _, err := Whoami(testCtx(t, 5*time.Second), NewHTTPClient(e.clientConfig(t, nil, nil), 5*time.Second), url); err == nil {
			t.Fatal("HTTP/2 client without a certificate was served")
		}
	})
}

func TestHTTPLimits(t *testing.T) {
	e := newDemoEnv(t, time.Minute)
	lim := Limits{MaxHeaderBytes: 4 << 10, MaxBodyBytes: 1 << 10, ReadHeaderTimeout: 300 * time.Millisecond}
	url := e.startHTTP(t, e.serverConfig(t, false), lim)
	cfg := e.clientConfig(t, nil, nil)
	cfg.NextProtos = []string{"http/1.1"}
	client := NewHTTPClient(cfg, 5*time.Second)

	do := func(t *testing.T, req *http.Request) (int, string) {
		t.Helper()
		resp, err := client.Do(req.WithContext(testCtx(t, 5*time.Second)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	t.Run("oversized header 431", func(t *testing.T) {
		req, _ := http.NewRequest("GET", url+"/whoami", nil)
		req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
		if code, _ := do(t, req); code != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("status %d, want 431", code)
		}
	})
	t.Run("oversized body 413", func(t *testing.T) {
		req, _ := http.NewRequest("POST", url+"/echo", bytes.NewReader(make([]byte, 4<<10)))
		if code, body := do(t, req); code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d (%s), want 413", code, body)
		}
	})
	t.Run("body within limit echoed", func(t *testing.T) {
		req, _ := http.NewRequest("POST", url+"/echo", strings.NewReader("hello"))
		if code, body := do(t, req); code != http.StatusOK || body != "hello" {
			t.Fatalf("status %d body %q", code, body)
		}
	})
	t.Run("slowloris cut off, others served", func(t *testing.T) {
		slow, err := tls.Dial("tcp", strings.TrimPrefix(url, "https://"), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer slow.Close()
		slow.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(slow, "GET /whoami HTTP/1.1\r\nHost: web.localca.test\r\nX-Slow: a") // never finishes
		// Meanwhile another client is served at once.
		req, _ := http.NewRequest("GET", url+"/whoami", nil)
		if code, _ := do(t, req); code != http.StatusOK {
			t.Fatalf("other client got %d", code)
		}
		all, err := io.ReadAll(slow)
		if err != nil && !strings.Contains(err.Error(), "reset") {
			t.Fatalf("slow client was not cut off: read %q, %v", all, err)
		}
	})
}

// TestHTTPStreamedBodyLimit: a body of unknown length is cut off at the
// limit by http.MaxBytesReader and answered 413.
func TestHTTPStreamedBodyLimit(t *testing.T) {
	h := (&HTTPServer{Limits: Limits{MaxBodyBytes: 1 << 10}}).Handler()
	req := httptest.NewRequest("POST", "/echo", io.LimitReader(zeros{}, 2<<10))
	req.ContentLength = -1 // unknown, as with chunked encoding
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d (%s), want 413", rec.Code, rec.Body)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
