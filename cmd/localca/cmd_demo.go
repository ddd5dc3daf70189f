package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/localca/localca/netdemo"
)

func (e *env) demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "TLS and mTLS over TCP and HTTP, and plain UDP, with this CA's certificates",
		Description: `Each demo listens on loopback by default and prints "listening on ADDR" first.

   localca demo http-server --mtls --name web.localca.test --allow uri:spiffe://localca.test/*
   localca demo http-client --addr 127.0.0.1:8444 --name cli.localca.test --server-name web.localca.test
   curl --cacert root.pem --cert c.pem --key c-key.pem https://127.0.0.1:8444/whoami`,
		Subcommands: []*cli.Command{
			e.demoServer("tcp-server", "127.0.0.1:7443", "a line echo that greets, ticks and echoes on one duplex connection"),
			e.demoServer("http-server", "127.0.0.1:8444", "GET /whoami: your certificate and the TLS parameters, as JSON (h2 and HTTP/1.1)"),
			e.demoClient("tcp-client", "127.0.0.1:7443", "send stdin's lines, print the server's lines as they arrive"),
			e.demoClient("http-client", "127.0.0.1:8444", "GET /whoami and print the answer"),
			e.udpServerCommand(),
			e.udpClientCommand(),
			e.badServerCommand(),
		},
	}
}

func tlsModeFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "tls", Usage: "TLS: the server proves its identity"},
		&cli.BoolFlag{Name: "mtls", Usage: "mutual TLS: both sides present certificates from this CA"},
	}
}

// signalContext ends on SIGINT or SIGTERM: every server shuts down
// gracefully on either.
func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}

// demoTLS is the TLS config a demo's flags ask for (nil for plain) and the
// function that stops its revocation checker (netdemo.DemoSide).
func (e *env) demoTLS(ctx context.Context, c *cli.Context, server bool) (*tls.Config, func(), error) {
	side := netdemo.DemoSide{Server: server, TLS: c.Bool("tls"), MTLS: c.Bool("mtls"), RootsFile: c.String("ca"),
		Source: netdemo.PeerSource{Name: c.String("name"), CertFile: c.String("cert"), KeyFile: c.String("key"), Local: e.localCA(c, "peer"), Logf: e.note},
		Allow:  c.StringSlice("allow"), ServerName: c.String("server-name"), Addr: c.String("addr"),
		Revocation: netdemo.RevocationOptions{Source: c.String("crl"), Refresh: c.Duration("crl-refresh"), FailOpen: c.Bool("fail-open"), Log: e.stderr},
		Logf:       e.note, // what the revocation check does (RevocationOptions.StartNote)
	}
	cfg, stop, err := side.Start(ctx)
	if errors.Is(err, netdemo.ErrBadConfig) || errors.Is(err, netdemo.ErrBadAllowRule) {
		err = usageError{err}
	}
	return cfg, stop, err
}

// tlsDemo completes cmd, a demo that runs with the TLS config its flags
// ask for (nil for plain): --tls, --mtls and the identity flags after its
// own, and an action that runs run until SIGINT or SIGTERM.
func (e *env) tlsDemo(cmd *cli.Command, server bool, run func(context.Context, *cli.Context, *tls.Config) error) *cli.Command {
	cmd.Flags = append(cmd.Flags, append(tlsModeFlags(), identityFlags()...)...)
	cmd.Action = func(c *cli.Context) error {
		ctx, stop := signalContext(c.Context)
		defer stop()
		cfg, stopRev, err := e.demoTLS(ctx, c, server)
		if err != nil {
			return err
		}
		defer stopRev()
		return run(ctx, c, cfg)
	}
	return cmd
}

func (e *env) demoServer(name, addr, usage string) *cli.Command {
	return e.tlsDemo(&cli.Command{
		Name: name, Usage: usage,
		UsageText: fmt.Sprintf("localca demo %s --mtls --name svc.localca.test [--addr %s] [--allow uri:spiffe://localca.test/*]", name, addr),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: addr, Usage: "listen address (loopback by default)"},
			&cli.DurationFlag{Name: "tick", Value: 10 * time.Second, Usage: "tcp-server: send a tick this often (0: never)"},
			&cli.IntFlag{Name: "max-conns", Usage: "connections served at once (default 256)"},
		},
	}, true, func(ctx context.Context, c *cli.Context, cfg *tls.Config) error {
		ln, err := net.Listen("tcp", c.String("addr"))
		if err != nil {
			return err
		}
		limits := netdemo.Limits{MaxConns: c.Int("max-conns")}
		fmt.Fprintf(e.stdout, "listening on %s\n", ln.Addr())
		e.announce(ln.Addr(), name, map[string]string{"tcp-server": "a line echo", "http-server": "/whoami and /echo"}[name], netdemo.Admits(c.Bool("mtls"), c.Bool("tls"), c.StringSlice("allow")))
		if name == "tcp-server" {
			return (&netdemo.TCPServer{TLS: cfg, Limits: limits, Tick: c.Duration("tick"), Log: e.stderr}).Serve(ctx, ln)
		}
		return (&netdemo.HTTPServer{TLS: cfg, Limits: limits, Log: e.stderr}).Serve(ctx, ln)
	})
}

func (e *env) demoClient(name, addr, usage string) *cli.Command {
	return e.tlsDemo(&cli.Command{
		Name: name, Usage: usage,
		UsageText: fmt.Sprintf("localca demo %s --mtls --name cli.localca.test --addr %s --server-name svc.localca.test", name, addr),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: addr, Usage: "server address"},
			&cli.StringFlag{Name: "server-name", Usage: "name the server's certificate must carry (default: the host of --addr)"},
			&cli.DurationFlag{Name: "timeout", Value: 10 * time.Second, Usage: "dial and handshake timeout"},
		},
	}, false, func(ctx context.Context, c *cli.Context, cfg *tls.Config) error {
		if name == "tcp-client" {
			return (&netdemo.TCPClient{TLS: cfg, Timeout: c.Duration("timeout"), Out: e.stdout}).Run(ctx, c.String("addr"), e.stdin)
		}
		scheme := "http"
		if cfg != nil {
			scheme = "https"
		}
		return netdemo.HTTPClientDemo(ctx, netdemo.NewHTTPClient(cfg, c.Duration("timeout")), scheme+"://"+c.String("addr"), e.stdout)
	})
}

func (e *env) udpServerCommand() *cli.Command {
	return &cli.Command{
		Name:      "udp-server",
		Usage:     "answer each datagram to its sender, never with more bytes than it sent",
		UsageText: "localca demo udp-server [--addr 127.0.0.1:7053] [--max-payload 1472]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:7053", Usage: "listen address"},
			&cli.IntFlag{Name: "max-payload", Value: netdemo.DefaultUDPPayload, Usage: "largest datagram answered (1472 = 1500 MTU - 20 IPv4 - 8 UDP; at most 65507)"},
		},
		Action: func(c *cli.Context) error {
			if err := checkPayload(c); err != nil {
				return err
			}
			ctx, stop := signalContext(c.Context)
			defer stop()
			pc, err := net.ListenPacket("udp", c.String("addr"))
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "listening on %s\n", pc.LocalAddr())
			e.announce(pc.LocalAddr(), "udp-server", "a datagram echo (udp)", "")
			return (&netdemo.UDPServer{MaxPayload: c.Int("max-payload"), Log: e.stderr}).Serve(ctx, pc)
		},
	}
}

func (e *env) udpClientCommand() *cli.Command {
	return &cli.Command{
		Name:      "udp-client",
		Usage:     "send each line of stdin (or MESSAGE) as one datagram and print the reply",
		UsageText: "echo hello | localca demo udp-client --addr 127.0.0.1:7053\n   localca demo udp-client --addr 127.0.0.1:7053 hello",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Value: "127.0.0.1:7053", Usage: "server address"},
			&cli.IntFlag{Name: "max-payload", Value: netdemo.DefaultUDPPayload, Usage: "refuse to send a datagram larger than this (at most 65507)"},
			&cli.DurationFlag{Name: "timeout", Value: 2 * time.Second, Usage: "how long to wait for each reply before reporting it lost"},
		},
		Action: func(c *cli.Context) error {
			if err := checkPayload(c); err != nil {
				return err
			}
			ctx, stop := signalContext(c.Context)
			defer stop()
			var in io.Reader = e.stdin
			if c.Args().Len() > 0 {
				in = strings.NewReader(strings.Join(c.Args().Slice(), " ") + "\n")
			}
			return (&netdemo.UDPClient{MaxPayload: c.Int("max-payload"), Timeout: c.Duration("timeout")}).Run(ctx, c.String("addr"), in, e.stdout)
		},
	}
}

// checkPayload checks --max-payload against what UDP can carry.
func checkPayload(c *cli.Context) error {
	if p := c.Int("max-payload"); p <= 0 || p > netdemo.MaxUDPPayload {
		return usagef("--max-payload %d: want 1 to %d", p, netdemo.MaxUDPPayload)
	}
	return nil
}
