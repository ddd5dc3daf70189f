package main

import (
	"errors"
	"log"
	"net"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/ca/web"
)

// servePage builds the web page of `serve` (ca/web). read is the server's
// Server.Read, given late because the server itself is built with the
// page. Reading is open when the listener is on loopback only; elsewhere
// the inventory needs a read token.
func servePage(authority *ca.CA, read func(func(*ca.CA) error) error, ln net.Listener, base string, logger *log.Logger) (*web.Page, error) {
	cfg := web.Config{CA: authority, Read: read, BaseURL: base, Log: logger}
	if !onLoopback(ln) {
		cfg.Authorize = func(string) error {
			return errors.New("read tokens are not in this build yet: the inventory stays closed off loopback")
		}
	}
	return web.New(cfg)
}

// onLoopback reports whether ln accepts only loopback connections.
func onLoopback(ln net.Listener) bool {
	addr, ok := ln.Addr().(*net.TCPAddr)
	return ok && addr.IP.IsLoopback()
}
