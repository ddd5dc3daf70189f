package dnssrv

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// leaf issues a certificate for name from p, for servers and clients alike.
func leaf(t *testing.T, p *testkit.PKI, name string) tls.Certificate {
	t.Helper()
	return *p.Issue(t, testkit.LeafSpec{CN: name, DNS: []string{name},
		EKU: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}).Cert
}

// mtlsEcho serves one-line echo over mTLS on 127.0.0.1 until the test
// ends, presenting cert and requiring a client certificate from the CA.
func mtlsEcho(t *testing.T, p *testkit.PKI, cert tls.Certificate) int {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    p.Pool,
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
	p := testkit.NewPKI(t, "dnssrv test")
	goodPort := mtlsEcho(t, p, leaf(t, p, "good.localca.test"))
	liarPort := mtlsEcho(t, p, leaf(t, p, "someone-else.localca.test"))
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
	client := &tls.Config{RootCAs: p.Pool, Certificates: []tls.Certificate{leaf(t, p, "client.localca.test")}, MinVersion: tls.VersionTLS12}
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
