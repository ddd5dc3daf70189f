package netdemo

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/localca/localca/internal/logsafe"
)

// HTTPServer is the server of `localca demo http-server`. It answers
//
//	GET  /whoami  JSON ConnInfo: the client's certificate (subject, SANs,
//	              SPIFFE ID, serial, issuer, validity left), TLS version,
//	              cipher suite, ALPN and HTTP protocol
//	POST /echo    the request body, capped at Limits.MaxBodyBytes (413 above)
//
// over HTTP/2 or HTTP/1.1 (ALPN). Request headers over Limits.MaxHeaderBytes
// get 431 from net/http. The zero value serves plain HTTP with default limits.
type HTTPServer struct {
	// TLS, if set, serves HTTPS (see ServerTLS.Config); nil serves plain HTTP.
	TLS *tls.Config
	// Limits bound each connection and request; zero fields take defaults.
	Limits Limits
	// Log receives handshake refusals and server errors; nil discards them.
	Log io.Writer
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// ShutdownTimeout bounds the graceful shutdown; zero means 5s.
	ShutdownTimeout time.Duration
}

// Handler returns the demo's routes, for use in another server or a test.
func (s *HTTPServer) Handler() http.Handler {
	lim := s.Limits.withDefaults()
	now := s.Now
	if now == nil {
		now = time.Now
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		info := DescribeConnection(r.TLS, now())
		info.RemoteAddr = r.RemoteAddr
		info.Protocol = r.Proto
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(info)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > lim.MaxBodyBytes {
			// Refuse a declared oversize body before reading it; net/http then
			// discards it, so the client reads the 413 rather than a reset.
			http.Error(w, fmt.Sprintf("request body of %d bytes over %d bytes", r.ContentLength, lim.MaxBodyBytes), http.StatusRequestEntityTooLarge)
			return
		}
		// A body of unknown length is cut off at the limit as it streams in.
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, lim.MaxBodyBytes))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			http.Error(w, fmt.Sprintf("request body over %d bytes", tooBig.Limit), http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body)
	})
	return mux
}

// server builds the http.Server with every limit set.
func (s *HTTPServer) server() *http.Server {
	lim := s.Limits.withDefaults()
	readHeader := min(lim.ReadHeaderTimeout, lim.HandshakeTimeout) // net/http bounds the handshake by it
	errLog := io.Discard
	if s.Log != nil {
		errLog = logsafe.NewWriter(s.Log)
	}
	return &http.Server{
		Handler:           s.Handler(),
		TLSConfig:         s.TLS,
		ReadHeaderTimeout: readHeader,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		ErrorLog:          log.New(errLog, "", 0),
	}
}

// Serve serves on ln until ctx is done, then shuts down gracefully: it stops
// accepting, lets requests in flight finish (up to ShutdownTimeout) and
// returns nil. At most Limits.MaxConns connections are served at once.
func (s *HTTPServer) Serve(ctx context.Context, ln net.Listener) error {
	lim := s.Limits.withDefaults()
	srv := s.server()
	errc := make(chan error, 1)
	if s.TLS != nil {
		// The handshake happens below net/http (http_handshake.go), with
		// the ALPN protocols ServeTLS would have offered; net/http sets up
		// HTTP/2 from them.
		cfg := s.TLS.Clone()
		if len(cfg.NextProtos) == 0 {
			cfg.NextProtos = []string{"h2", "http/1.1"}
		}
		srv.TLSConfig = cfg
		ln = newHandshakeListener(ln, cfg, lim, func(format string, args ...any) {
			if s.Log != nil {
				fmt.Fprintf(logsafe.NewWriter(s.Log), "http: "+format+"\n", args...)
			}
		})
	}
	// Only connections past their handshake count towards MaxConns.
	slots := newSlotListener(ln, lim.MaxConns)
	srv.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateClosed || st == http.StateHijacked {
			slots.release()
		}
	}
	ln = slots
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("netdemo: http: %w", err)
	case <-ctx.Done():
	}
	timeout := s.ShutdownTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = srv.Close()
	}
	<-errc
	if err != nil {
		return fmt.Errorf("netdemo: http: shutdown: %w", err)
	}
	return nil
}
