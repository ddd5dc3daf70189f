package dnssrv

import (
	"net"
	"testing"
)

// TestListenSkipsTakenTCPPort holds TCP listeners on many ports and checks
// that Listen on port 0 always ends with UDP and TCP on one port.
func TestListenSkipsTakenTCPPort(t *testing.T) {
	for i := 0; i < 20; i++ {
		pc, ln, err := Listen("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if u, tc := pc.LocalAddr().(*net.UDPAddr).Port, ln.Addr().(*net.TCPAddr).Port; u != tc {
			t.Fatalf("udp port %d, tcp port %d", u, tc)
		}
		pc.Close()
		ln.Close()
	}
	// A fixed port that TCP cannot have is an error, not a silent move.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if pc, ln, err := Listen(busy.Addr().String()); err == nil {
		pc.Close()
		ln.Close()
		t.Fatalf("Listen on a taken fixed port succeeded")
	}
}
