package mesh

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/localca/localca/netdemo"
	"github.com/localca/localca/netdemo/dnssrv"
)

// Caller calls the services of a mesh as one of them.
type Caller struct {
	DNS  string // the DNS server to ask, host:port
	Zone string // the services' zone
	// Identity is the calling service's certificate.
	Identity *netdemo.Identity
	// Roots are the CAs whose service certificates are accepted;
	// Revocation, when set, is checked for the service's certificate.
	Roots      *x509.CertPool
	Revocation netdemo.RevocationChecker
	Timeout    time.Duration // for the whole exchange after connecting
	Out        io.Writer     // the connection line and what the service says
}

// Call finds _SERVICE._tcp.ZONE by SRV, connects over mTLS to the first
// target that answers (RFC 2782 order), checks the server's certificate
// against the target name, sends msg and writes the echo to Out. The
// protocol (tcp line echo or http POST /echo) comes from the service's
// proto= TXT record. A refusal by the service is ErrRefused; any other
// failure after connecting is reported as the transport error it is.
func (c Caller) Call(ctx context.Context, service, msg string) error {
	zone := dns.Fqdn(c.Zone)
	host := service + "." + strings.TrimSuffix(zone, ".")
	cfg, err := netdemo.ClientTLS{Identity: c.Identity, RootCAs: c.Roots, ServerName: host, Revocation: c.Revocation}.Config()
	if err != nil {
		return err
	}
	proto := c.protocol(ctx, service, zone)
	conn, target, err := dnssrv.Dial(ctx, c.DNS, service, zone, cfg, nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	st := conn.ConnectionState()
	fmt.Fprintf(c.Out, "connected to %s (%s) over %s, server serial %X\n", target, conn.RemoteAddr(), tls.VersionName(st.Version), st.PeerCertificates[0].SerialNumber.Bytes())
	if c.Timeout > 0 {
		conn.SetDeadline(time.Now().Add(c.Timeout))
	}
	if proto == "http" {
		err = c.callHTTP(conn, target, msg)
	} else {
		err = c.callTCP(conn, msg)
	}
	switch {
	case err == nil || errors.Is(err, ErrNoEcho):
		return err
	case isAlert(err):
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	// The HTTP/2 transport can report a connection it could not set up
	// without the alert that ended it; crypto/tls keeps that alert as the
	// connection's read error, so one more read finds it.
	conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, rerr := conn.Read(make([]byte, 1)); isAlert(rerr) {
		return fmt.Errorf("%w: %w", ErrRefused, rerr)
	}
	return fmt.Errorf("talking to %s: %w", target, err)
}

// isAlert reports whether err is an alert the peer's TLS stack sent.
func isAlert(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error"
}

// protocol reads the proto= TXT record that Up registers; tcp when absent.
func (c Caller) protocol(ctx context.Context, service, zone string) string {
	m := new(dns.Msg)
	m.SetQuestion(dnssrv.ServiceName(service, "tcp", zone), dns.TypeTXT)
	r, err := dns.ExchangeContext(ctx, m, c.DNS)
	if err != nil {
		return "tcp"
	}
	for _, rr := range r.Answer {
		if t, ok := rr.(*dns.TXT); ok {
			for _, s := range t.Txt {
				if p, ok := strings.CutPrefix(s, "proto="); ok {
					return p
				}
			}
		}
	}
	return "tcp"
}

// callTCP sends one line and writes what comes back until the echo.
func (c Caller) callTCP(conn *tls.Conn, msg string) error {
	if _, err := fmt.Fprintf(conn, "%s\n", msg); err != nil {
		return err
	}
	r := bufio.NewScanner(conn)
	for r.Scan() {
		fmt.Fprintln(c.Out, r.Text())
		if strings.HasPrefix(r.Text(), "echo: ") {
			return nil
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	return ErrNoEcho
}

// callHTTP POSTs msg to /echo over the connection, in the protocol the
// handshake agreed on: HTTP/2 when ALPN chose h2, else HTTP/1.1.
func (c Caller) callHTTP(conn *tls.Conn, target, msg string) error {
	tr := &http.Transport{
		DialTLSContext:    func(context.Context, string, string) (net.Conn, error) { return conn, nil },
		ForceAttemptHTTP2: true,
	}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Post("https://"+target+"/echo", "text/plain", strings.NewReader(msg))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, body)
	}
	fmt.Fprintf(c.Out, "echo: %s\n", strings.TrimSpace(string(body)))
	return nil
}
