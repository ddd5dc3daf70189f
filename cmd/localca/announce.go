package main

import (
	"net"

	"github.com/localca/localca/netdemo"
)

// announce says, for a listener, what it serves and who may use it
// (netdemo.Announce): every server says it at start, per listener.
func (e *env) announce(addr net.Addr, where, what, who string) {
	e.note("%s", netdemo.Announce(addr, where, what, who))
}
