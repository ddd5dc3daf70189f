package va

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"
)

const keyAuth = "tok.thumb"

// serveHTTP serves h on a loopback port until the test ends.
func serveHTTP(t *testing.T, h http.HandlerFunc) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

func TestHTTP01(t *testing.T) {
	cases := []struct {
		name string
		h    http.HandlerFunc
		want error // nil: valid
	}{
		{"the key authorization", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/.well-known/acme-challenge/tok" && r.Host == "localhost" {
				fmt.Fprintln(w, keyAuth)
			}
		}, nil},
		{"a redirect on the same host", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/elsewhere" {
				fmt.Fprint(w, keyAuth)
				return
			}
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		}, nil},
		{"a redirect off the name's host", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://attacker.example/.well-known/acme-challenge/tok", http.StatusFound)
		}, ErrIncorrect},
		{"endless redirects", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/again", http.StatusFound)
		}, ErrConnection},
		{"another answer", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "tok.other") }, ErrIncorrect},
		{"404", http.NotFound, ErrIncorrect},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := &Validator{HTTPPort: serveHTTP(t, tc.h), DialTimeout: time.Second}
			err := v.Validate(context.Background(), "http-01", "dns", "localhost", "tok", keyAuth)
			if (tc.want == nil) != (err == nil) || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("nobody listening", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		v := &Validator{HTTPPort: port, DialTimeout: time.Second}
		if err := v.Validate(context.Background(), "http-01", "ip", "127.0.0.1", "tok", keyAuth); !errors.Is(err, ErrConnection) {
			t.Errorf("got %v, want ErrConnection", err)
		}
	})
}

func TestDNS01(t *testing.T) {
	sum := sha256.Sum256([]byte(keyAuth))
	good := base64.RawURLEncoding.EncodeToString(sum[:])
	cases := []struct {
		name    string
		records []string
		want    error
	}{
		{"the digest", []string{`_acme-challenge.w.localca.test. 60 IN TXT "` + good + `"`}, nil},
		{"another digest", []string{`_acme-challenge.w.localca.test. 60 IN TXT "nope"`}, ErrIncorrect},
		{"no record", []string{`w.localca.test. 60 IN A 127.0.0.1`}, ErrDNS},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := &Validator{Records: func() ([]string, error) { return tc.records, nil }}
			err := v.Validate(context.Background(), "dns-01", "dns", "w.localca.test", "tok", keyAuth)
			if (tc.want == nil) != (err == nil) || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// alpnCert is a tls-alpn-01 answer for name, edited by edit.
func alpnCert(t *testing.T, name string, critical bool, digest []byte) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	val, _ := asn1.Marshal(digest)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtraExtensions: []pkix.Extension{{Id: idPeACMEIdentifier, Critical: critical, Value: val}}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestTLSALPN01(t *testing.T) {
	sum := sha256.Sum256([]byte(keyAuth))
	cases := []struct {
		name string
		cert func(t *testing.T) tls.Certificate
		alpn bool
		want error
	}{
		{"the acmeIdentifier", func(t *testing.T) tls.Certificate { return alpnCert(t, "localhost", true, sum[:]) }, true, nil},
		{"a non-critical extension", func(t *testing.T) tls.Certificate { return alpnCert(t, "localhost", false, sum[:]) }, true, ErrIncorrect},
		{"another digest", func(t *testing.T) tls.Certificate { return alpnCert(t, "localhost", true, make([]byte, 32)) }, true, ErrIncorrect},
		{"another name", func(t *testing.T) tls.Certificate { return alpnCert(t, "other.localhost", true, sum[:]) }, true, ErrIncorrect},
		{"no acme-tls/1", func(t *testing.T) tls.Certificate { return alpnCert(t, "localhost", true, sum[:]) }, false, ErrIncorrect},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &tls.Config{Certificates: []tls.Certificate{tc.cert(t)}}
			if tc.alpn {
				cfg.NextProtos = []string{"acme-tls/1"}
			}
			ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					c.(*tls.Conn).Handshake()
					c.Close()
				}
			}()
			v := &Validator{TLSPort: ln.Addr().(*net.TCPAddr).Port, DialTimeout: time.Second}
			err = v.Validate(context.Background(), "tls-alpn-01", "dns", "localhost", "tok", keyAuth)
			want := tc.want
			if (want == nil) != (err == nil) || want != nil && !errors.Is(err, want) {
				t.Errorf("got %v, want %v", err, want)
			}
		})
	}
}
