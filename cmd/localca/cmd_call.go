package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/urfave/cli/v2"

	"github.com/localca/localca/netdemo"
	"github.com/localca/localca/netdemo/dnssrv"
)

func (e *env) callCommand() *cli.Command {
	return &cli.Command{
		Name:  "call",
		Usage: "find a service by DNS-SRV and talk to it over mTLS",
		UsageText: `localca call echo --as web hello
   localca call web --as echo          # refused: web allows nobody`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "as", Required: true, Usage: "the calling service: its certificate is issued now (NAME.ZONE, spiffe://ZONE/NAME)"},
			&cli.StringFlag{Name: "dns", Value: "127.0.0.1:8053", Usage: "DNS server to ask"},
			&cli.StringFlag{Name: "zone", Value: "localca.test.", Usage: "the services' zone"},
			&cli.DurationFlag{Name: "timeout", Value: 10 * time.Second, Usage: "overall timeout"},
			passwordFileFlag(),
			policyFlag(),
		},
		Action: e.call,
	}
}

func (e *env) call(c *cli.Context) error {
	if c.Args().Len() < 1 {
		return usagef("call needs the service NAME")
	}
	name, msg := c.Args().First(), strings.Join(c.Args().Tail(), " ")
	if msg == "" {
		msg = "hello"
	}
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	f := &servicesFile{Zone: c.String("zone")}
	if !strings.HasSuffix(f.Zone, ".") {
		f.Zone += "."
	}
	if err := e.autoInit(c); err != nil {
		return err
	}
	cert, err := e.issueService(c, f, c.String("as"), 0)
	if err != nil {
		return err
	}
	authority, st, err := e.loadCA(c, true)
	if err != nil {
		return err
	}
	st.Close()
	roots := x509.NewCertPool()
	roots.AddCert(authority.Root())
	// The caller checks the service as the service checks the caller: a
	// revoked service certificate is refused (one fresh CRL, no refresher).
	crl := &netdemo.CRLChecker{
		Fetch:   func(context.Context) ([]byte, error) { return e.localCRL(c) },
		Issuers: []*x509.Certificate{authority.Intermediate(), authority.Root()},
	}
	if err := crl.Update(ctx); err != nil {
		return fmt.Errorf("reading the CA's CRL: %w", err)
	}
	cfg, err := netdemo.ClientTLS{Identity: netdemo.NewIdentity(cert), RootCAs: roots, ServerName: f.host(name), Revocation: crl}.Config()
	if err != nil {
		return err
	}
	proto := e.serviceProtocol(ctx, c.String("dns"), name, f.Zone)
	conn, target, err := dnssrv.Dial(ctx, c.String("dns"), name, f.Zone, cfg, nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	leaf := conn.ConnectionState().PeerCertificates[0]
	fmt.Fprintf(e.stdout, "connected to %s (%s) over %s, server serial %x\n", target, conn.RemoteAddr(), tls.VersionName(conn.ConnectionState().Version), leaf.SerialNumber.Bytes())
	conn.SetDeadline(time.Now().Add(c.Duration("timeout")))
	if proto == "http" {
		return e.callHTTP(conn, target, msg)
	}
	return e.callTCP(conn, msg)
}

// serviceProtocol reads the proto= TXT record up registers; tcp when absent.
func (e *env) serviceProtocol(ctx context.Context, server, name, zone string) string {
	m := new(dns.Msg)
	m.SetQuestion(dnssrv.ServiceName(name, "tcp", zone), dns.TypeTXT)
	r, err := dns.ExchangeContext(ctx, m, server)
	if err == nil {
		for _, rr := range r.Answer {
			if t, ok := rr.(*dns.TXT); ok {
				for _, s := range t.Txt {
					if p, ok := strings.CutPrefix(s, "proto="); ok {
						return p
					}
				}
			}
		}
	}
	return "tcp"
}

// callTCP sends one line and prints what comes back until the echo. Under
// TLS 1.3 a refusal of our certificate arrives here, as the first read's
// error, not during the handshake.
func (e *env) callTCP(conn *tls.Conn, msg string) error {
	if _, err := fmt.Fprintf(conn, "%s\n", msg); err != nil {
		return fmt.Errorf("refused: %w", err)
	}
	r := bufio.NewScanner(conn)
	for r.Scan() {
		fmt.Fprintln(e.stdout, r.Text())
		if strings.HasPrefix(r.Text(), "echo: ") {
			return nil
		}
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("refused by the service: %w", err)
	}
	return fmt.Errorf("the service closed the connection before echoing")
}

func (e *env) callHTTP(conn *tls.Conn, target, msg string) error {
	tr := &http.Transport{DialTLSContext: func(context.Context, string, string) (net.Conn, error) { return conn, nil }}
	client := &http.Client{Transport: tr}
	resp, err := client.Post("https://"+target+"/echo", "text/plain", strings.NewReader(msg))
	if err != nil {
		return fmt.Errorf("refused by the service: %w", err)
	}
	defer resp.Body.Close()
	body := new(strings.Builder)
	if _, err := bufio.NewReader(resp.Body).WriteTo(body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, body)
	}
	fmt.Fprintf(e.stdout, "echo: %s\n", strings.TrimSpace(body.String()))
	return nil
}
