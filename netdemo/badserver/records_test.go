package badserver

import (
	"net"
	"slices"
	"strings"
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

// recordBacking is a dnssrv.Backing in memory.
type recordBacking struct{ recs []string }

func (b *recordBacking) Records() ([]string, error) { return b.recs, nil }

func (b *recordBacking) Apply(add, remove []string) (bool, error) {
	b.recs = append(slices.DeleteFunc(b.recs, func(r string) bool { return slices.Contains(remove, r) }), add...)
	return true, nil
}

// TestRegister: Register stores the sites' records and its function takes
// exactly those out again, leaving other records alone.
func TestRegister(t *testing.T) {
	const other = "web.localca.test.\t60\tIN\tA\t127.0.0.9"
	b := &recordBacking{recs: []string{other}}
	sites := []Site{{Name: "expired.bad.localca.test"}}
	deregister, err := Register(b, sites, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8445})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{other, "expired.bad.localca.test.\t60\tIN\tA\t127.0.0.1"}; !slices.Equal(b.recs, want) {
		t.Fatalf("after Register: %q, want %q", b.recs, want)
	}
	if err := deregister(); err != nil {
		t.Fatal(err)
	}
	if want := []string{other}; !slices.Equal(b.recs, want) {
		t.Errorf("after deregister: %q, want %q", b.recs, want)
	}
}

func TestWriteSites(t *testing.T) {
	tests := []struct {
		name  string
		sites []Site
		want  string
	}{
		{"none", nil, ""},
		{"two", []Site{{Name: "expired.bad.localca.test", Defect: "expired"}, {Name: "good.bad.localca.test", Defect: "nothing"}},
			"  https://expired.bad.localca.test:8445/  expired\n  https://good.bad.localca.test:8445/  nothing\n"},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := WriteSites(&b, tt.sites, 8445); err != nil || b.String() != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, b.String(), err, tt.want)
		}
	}
}
