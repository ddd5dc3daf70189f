package main

import (
	"errors"
	"log"
	"net"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/ca/web"
)

// mountPage serves the web page of ca/web at / on srv, for what no
// endpoint of the CA answers. Reading is open when the listener is on
// loopback only; elsewhere the inventory needs a read token.
func mountPage(srv *ca.Server, ln net.Listener, base, acmeDir string, logger *log.Logger) error {
	cfg := web.Config{CA: srv.CA(), Read: srv.UseStore, BaseURL: base, ACMEDirectory: acmeDir, Log: logger}
	if !onLoopback(ln) {
		cfg.Authorize = func(string) error {
			return errors.New("read tokens are not in this build yet: the inventory stays closed off loopback")
		}
	}
	page, err := web.New(cfg)
	if err != nil {
		return err
	}
	srv.Mount("/", page.Handler())
	return nil
}

// onLoopback reports whether ln accepts only loopback connections.
func onLoopback(ln net.Listener) bool {
	addr, ok := ln.Addr().(*net.TCPAddr)
	return ok && addr.IP.IsLoopback()
}
