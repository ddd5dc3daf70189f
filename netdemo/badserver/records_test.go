package badserver

import (
	"net"
	"slices"
	"testing"
)

func TestRecords(t *testing.T) {
	sites := []Site{{Name: "Expired.bad.localca.test"}, {Name: "good.bad.localca.test"}}
	tests := []struct {
		name string
		addr *net.TCPAddr
		want []string
	}{
		{"loopback", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 8445},
			[]string{"expired.bad.localca.test.\t60\tIN\tA\t127.0.0.2", "good.bad.localca.test.\t60\tIN\tA\t127.0.0.2"}},
		{"unspecified is loopback", &net.TCPAddr{IP: net.IPv4zero, Port: 8445},
			[]string{"expired.bad.localca.test.\t60\tIN\tA\t127.0.0.1", "good.bad.localca.test.\t60\tIN\tA\t127.0.0.1"}},
		{"IPv6", &net.TCPAddr{IP: net.IPv6loopback, Port: 8445},
			[]string{"expired.bad.localca.test.\t60\tIN\tAAAA\t::1", "good.bad.localca.test.\t60\tIN\tAAAA\t::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Records(sites, tt.addr)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Records = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := Records([]Site{{Name: "bad name with spaces"}}, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}); err == nil {
		t.Error("a site name that is no DNS name: no error")
	}
}
