package dnssrv

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"
)

// testPKI is a throw-away CA made at run time.
type testPKI struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "dnssrv test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testPKI{cert: cert, key: key, pool: pool}
}

// leaf issues a certificate for name, for servers and clients alike.
func (p *testPKI) leaf(t *testing.T, name string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		DNSNames:     []string{name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// mtlsEcho serves one-line echo over mTLS on 127.0.0.1 until the test
// ends, presenting cert and requiring a client certificate from the CA.
func mtlsEcho(t *testing.T, p *testPKI, cert tls.Certificate) int {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    p.pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
				line, err := bufio.NewReader(conn).ReadString('\n')
				if err == nil {
					_, _ = conn.Write([]byte("echo " + line))
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

// refusedPort returns a loopback port with nothing listening on it.
func refusedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestDial(t *testing.T) {
	p := newTestPKI(t)
	goodPort := mtlsEcho(t, p, p.leaf(t, "good.localca.test"))
	liarPort := mtlsEcho(t, p, p.leaf(t, "someone-else.localca.test"))
	deadPort := refusedPort(t)

	z := mustZone(t,
		fmt.Sprintf("_echo._tcp.localca.test. 60 IN SRV 10 1 %d dead.localca.test.", deadPort),
		fmt.Sprintf("_echo._tcp.localca.test. 60 IN SRV 20 1 %d good.localca.test.", goodPort),
		fmt.Sprintf("_liar._tcp.localca.test. 60 IN SRV 10 1 %d liar.localca.test.", liarPort),
		"dead.localca.test. 60 IN A 127.0.0.1",
		"good.localca.test. 60 IN A 127.0.0.1",
		"liar.localca.test. 60 IN A 127.0.0.1",
	)
	ts := startServer(t, &Server{Zone: z})
	client := &tls.Config{RootCAs: p.pool, Certificates: []tls.Certificate{p.leaf(t, "client.localca.test")}, MinVersion: tls.VersionTLS12}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	t.Run("first target refuses, second answers", func(t *testing.T) {
		conn, target, err := Dial(ctx, ts.addr, "echo", "localca.test.", client, mrand.New(mrand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if target != "good.localca.test" || conn.ConnectionState().ServerName != "good.localca.test" {
			t.Errorf("target %q, ServerName %q; want good.localca.test", target, conn.ConnectionState().ServerName)
		}
		if _, err := conn.Write([]byte("hi\n")); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(conn).ReadString('\n')
		if err != nil || line != "echo hi\n" {
			t.Errorf("echo over mTLS: %q, %v", line, err)
		}
		if client.ServerName != "" {
			t.Error("Dial modified the caller's tls.Config")
		}
	})
	t.Run("certificate names another host", func(t *testing.T) {
		conn, _, err := Dial(ctx, ts.addr, "liar", "localca.test", client, nil)
		if err == nil {
			conn.Close()
			t.Fatal("Dial accepted a certificate that does not name the SRV target")
		}
		var derr *DialError
		var hostErr x509.HostnameError
		if !errors.As(err, &derr) || !errors.As(err, &hostErr) {
			t.Errorf("error %v (%T): want a *DialError wrapping x509.HostnameError", err, err)
		}
	})
	t.Run("every target fails", func(t *testing.T) {
		noCA := &tls.Config{MinVersion: tls.VersionTLS12} // system roots do not know our CA
		_, _, err := Dial(ctx, ts.addr, "echo", "localca.test", noCA, nil)
		var derr *DialError
		if !errors.As(err, &derr) || len(derr.Attempts) != 2 {
			t.Fatalf("error %v: want a *DialError with two attempts", err)
		}
		for _, want := range []string{"dead.localca.test", "good.localca.test"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
		}
	})
	t.Run("no such service", func(t *testing.T) {
		if _, _, err := Dial(ctx, ts.addr, "nothing", "localca.test", client, nil); !errors.Is(err, ErrNoTargets) {
			t.Errorf("error %v, want ErrNoTargets", err)
		}
	})
}
