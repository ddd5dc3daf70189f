package main

import (
	"log"
	"net"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/ca/web"
)

// mountPage serves the web page of ca/web at / on srv, for what no
// endpoint of the CA answers, and its public part (the trust page, the
// root's downloads) on the plain-HTTP listener when there is one
// (plainBase), where the QR code points. Reading is open when the TLS
// listener is on loopback only; elsewhere the inventory needs a read token
// (`localca token create --for read`).
func mountPage(srv *ca.Server, ln net.Listener, base, plainBase, acmeDir string, logger *log.Logger) error {
	cfg := web.Config{CA: srv.CA(), Read: srv.UseStore, BaseURL: base, HTTPBaseURL: plainBase, ACMEDirectory: acmeDir, Log: logger}
	if !onLoopback(ln) {
		cfg.Authorize = func(token string) error {
			return srv.UseStore(func(c *ca.CA) error {
				_, err := c.CheckReadToken(token)
				return err
			})
		}
	}
	page, err := web.New(cfg)
	if err != nil {
		return err
	}
	srv.Mount("/", page.Handler())
	if plainBase != "" {
		srv.MountPlain("/", page.TrustHandler())
	}
	return nil
}

// onLoopback reports whether ln accepts only loopback connections.
func onLoopback(ln net.Listener) bool {
	addr, ok := ln.Addr().(*net.TCPAddr)
	return ok && addr.IP.IsLoopback()
}
