package main

import (
	"regexp"
	"testing"
	"time"
)

// TestServersSayWhoMayUse: every server says at start, per listener, what
// it serves and who may use it.
func TestServersSayWhoMayUse(t *testing.T) {
	h := newHome(t)
	h.initCA()
	tests := []struct {
		name string
		args []string
		want []string // lines on stderr, as regular expressions
	}{
		{"serve", []string{"serve", "--addr", "127.0.0.1:0"}, []string{
			`^https://127\.0\.0\.1:\d+ serves /roots\.pem .*/ocsp .*; open to local processes only \(loopback\)$`,
			`^https://127\.0\.0\.1:\d+ serves /sign and /revoke; local processes only \(loopback\), each request with a token`,
			`^http://127\.0\.0\.1:\d+ serves /crl /crl/root /ocsp /intermediate\.crt .*over plain HTTP.*; open to local processes only`,
		}},
		{"mtls demo", []string{"demo", "tcp-server", "--mtls", "--name", "echo.localca.test", "--addr", "127.0.0.1:0", "--allow", "uri:spiffe://localca.test/bob"}, []string{
			`^tcp-server serves a line echo; local processes only \(loopback\), clients with a certificate of this CA \(clientAuth, not revoked\) matching uri:spiffe://localca\.test/bob$`,
		}},
		{"plain demo", []string{"demo", "http-server", "--addr", "127.0.0.1:0"}, []string{
			`^http-server serves /whoami and /echo; open to local processes only \(loopback\)$`,
		}},
		{"udp demo", []string{"demo", "udp-server", "--addr", "127.0.0.1:0"}, []string{
			`^udp-server serves a datagram echo \(udp\); open to local processes only`,
		}},
		{"dns serve", []string{"dns", "serve", "--addr", "127.0.0.1:0"}, []string{
			`^dns serves queries for zone localca\.test\. \(udp and tcp\); open to local processes only`,
			`^dns serves RFC 2136 updates of localca\.test\.; local processes only \(loopback\), only with the TSIG key localca-update\.$`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := h.in(t).serve(tt.args...)
			for _, w := range tt.want {
				srv.wait(t, srv.stderr, 0, regexp.MustCompile(w), 10*time.Second)
			}
			srv.stop(t)
		})
	}
}
