package dnssrv

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestParseRR(t *testing.T) {
	tests := []struct {
		text    string
		wantErr error
	}{
		{"_web._tcp.localca.test. 60 IN SRV 10 5 8443 web.localca.test.", nil},
		{"web.localca.test. 60 IN A 127.0.0.1", nil},
		{"web 60 IN AAAA ::1", nil}, // relative to the zone
		{"WEB.LocalCA.test. 60 IN TXT \"hello\"", nil},
		{"alias.localca.test. 60 IN CNAME web.localca.test.", nil},
		{"localca.test. 60 IN TXT \"apex text\"", nil},
		{"", ErrParse},
		{"not a record", ErrParse},
		{"a.localca.test. 60 IN A 127.0.0.1\nb.localca.test. 60 IN A 127.0.0.2", ErrParse},
		{"web.example.com. 60 IN A 127.0.0.1", ErrOutOfZone},
		{"localca.test. 60 IN MX 10 mail.localca.test.", ErrType},
		{"localca.test. 60 IN NS other.test.", ErrType},
		{"web.localca.test. 60 CH A 127.0.0.1", ErrClass},
		{"web.localca.test. 0 IN A 127.0.0.1", ErrTTL},
		{"web.localca.test. 99999999 IN A 127.0.0.1", ErrTTL},
		{"ns.localca.test. 60 IN A 127.0.0.9", ErrReservedName},
		{"localca.test. 60 IN CNAME web.localca.test.", ErrCNAMEConflict},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			rr, err := ParseRR(tt.text, "localca.test")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseRR error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "dnssrv: ") {
					t.Errorf("error %q lacks the package prefix", err)
				}
				return
			}
			if name := rr.Header().Name; name != strings.ToLower(name) || !dns.IsSubDomain("localca.test.", name) {
				t.Errorf("owner %q is not canonical and in the zone", name)
			}
			// The zone-file text round-trips: the CLI stores rr.String().
			again, err := ParseRR(rr.String(), "localca.test.")
			if err != nil || !dns.IsDuplicate(rr, again) {
				t.Errorf("round trip of %q: %v, %v", rr.String(), again, err)
			}
		})
	}
}

func TestZoneAddRemovePersist(t *testing.T) {
	var calls [][2][]dns.RR
	fail := false
	z, err := NewZone(ZoneConfig{Serial: 7, Persist: func(added, removed []dns.RR) error {
		if fail {
			return errors.New("disk full")
		}
		calls = append(calls, [2][]dns.RR{added, removed})
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := mustRR(t, "_web._tcp.localca.test. 60 IN SRV 10 5 8443 web.localca.test.")
	a := mustRR(t, "web.localca.test. 60 IN A 127.0.0.1")

	if err := z.Add(srv, a); err != nil {
		t.Fatal(err)
	}
	if got := z.Serial(); got != 8 {
		t.Errorf("serial after add = %d, want 8", got)
	}
	if len(calls) != 1 || len(calls[0][0]) != 2 || len(calls[0][1]) != 0 {
		t.Fatalf("persist calls = %v, want one with two added", calls)
	}
	// Adding the same record again changes nothing: no persist, same serial.
	if err := z.Add(a); err != nil || len(calls) != 1 || z.Serial() != 8 {
		t.Errorf("re-add: err %v, %d calls, serial %d", err, len(calls), z.Serial())
	}
	// A TTL change is a removal and an addition.
	if err := z.Add(mustRR(t, "web.localca.test. 120 IN A 127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	if last := calls[len(calls)-1]; len(last[0]) != 1 || len(last[1]) != 1 || last[0][0].Header().Ttl != 120 {
		t.Errorf("TTL change persisted as %v", last)
	}

	// A failing hook leaves the zone as it was.
	fail = true
	before := z.Records()
	if err := z.Remove(srv); !errors.Is(err, ErrPersist) {
		t.Errorf("Remove with failing hook: %v, want ErrPersist", err)
	}
	if after := z.Records(); len(after) != len(before) {
		t.Errorf("records changed despite failing hook: %v -> %v", before, after)
	}
	fail = false

	if err := z.Remove(mustRR(t, "_web._tcp.localca.test. 3600 IN SRV 10 5 8443 WEB.localca.test.")); err != nil {
		t.Errorf("Remove ignoring TTL and case: %v", err)
	}
	if err := z.Remove(srv); !errors.Is(err, ErrNoSuchRecord) {
		t.Errorf("second Remove: %v, want ErrNoSuchRecord", err)
	}
	got := z.Records()
	if len(got) != 1 || got[0].Header().Rrtype != dns.TypeA {
		t.Errorf("Records() = %v, want the A record only", got)
	}
}

func TestZoneCNAMEConflicts(t *testing.T) {
	tests := []struct {
		name  string
		start []string
		add   string
	}{
		{"cname beside A", []string{"x.localca.test. 60 IN A 127.0.0.1"}, "x.localca.test. 60 IN CNAME y.localca.test."},
		{"A beside cname", []string{"x.localca.test. 60 IN CNAME y.localca.test."}, "x.localca.test. 60 IN A 127.0.0.1"},
		{"second cname", []string{"x.localca.test. 60 IN CNAME y.localca.test."}, "x.localca.test. 60 IN CNAME z.localca.test."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := mustZone(t, tt.start...)
			if err := z.Add(mustRR(t, tt.add)); !errors.Is(err, ErrCNAMEConflict) {
				t.Errorf("Add = %v, want ErrCNAMEConflict", err)
			}
			if _, err := NewZone(ZoneConfig{Records: []dns.RR{mustRR(t, tt.start[0]), mustRR(t, tt.add)}}); !errors.Is(err, ErrCNAMEConflict) {
				t.Errorf("NewZone = %v, want ErrCNAMEConflict", err)
			}
		})
	}
}

func TestZoneRecordsAreCopies(t *testing.T) {
	z := mustZone(t, "web.localca.test. 60 IN A 127.0.0.1")
	z.Records()[0].Header().Ttl = 1
	if got := z.Records()[0].Header().Ttl; got != 60 {
		t.Errorf("mutating Records() changed the zone: TTL %d", got)
	}
	if slices.ContainsFunc(z.Records(), func(rr dns.RR) bool { return rr.Header().Rrtype == dns.TypeSOA }) {
		t.Error("Records() lists the synthesised SOA")
	}
}
