package dnssrv

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// listenTries bounds how often Listen picks a new port when the one UDP got
// is taken for TCP.
const listenTries = 10

// Listen opens the UDP socket and the TCP listener of a DNS server on one
// address. With port 0 the OS picks the UDP port, which another program may
// already hold for TCP: Listen then tries another port rather than failing
// (that race made tests fail now and then under load). A fixed port is
// tried once.
func Listen(addr string) (net.PacketConn, net.Listener, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dnssrv: address %q: %w", addr, err)
	}
	for try := 1; ; try++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("dnssrv: listening on %s (udp): %w", addr, err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		if port != "0" || try == listenTries || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, fmt.Errorf("dnssrv: listening on %s (tcp): %w", addr, err)
		}
	}
}
