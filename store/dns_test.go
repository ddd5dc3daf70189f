package store

import (
	"path/filepath"
	"slices"
	"testing"
)

func TestApplyDNS(t *testing.T) {
	const (
		srv = "_web._tcp.localca.test. 60 IN SRV 10 5 8443 web.localca.test."
		a   = "web.localca.test. 60 IN A 127.0.0.1"
		aaa = "web.localca.test. 60 IN AAAA ::1"
	)
	path := filepath.Join(t.TempDir(), "localca.db")
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name        string
		add, remove []string
		wantChanged bool
		want        []string
	}{
		{"add three", []string{srv, a, aaa}, nil, true, []string{srv, aaa, a}},
		{"add present", []string{a}, nil, false, []string{srv, aaa, a}},
		{"remove absent", nil, []string{"x.localca.test. 60 IN A 10.0.0.1"}, false, []string{srv, aaa, a}},
		{"remove and add the same", []string{a}, []string{a}, false, []string{srv, aaa, a}},
		{"remove one", nil, []string{aaa}, true, []string{srv, a}},
		{"swap", []string{aaa}, []string{a}, true, []string{srv, aaa}},
		{"nothing", nil, nil, false, []string{srv, aaa}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			events := len(eventKinds(t, s))
			changed, err := s.ApplyDNS(st.add, st.remove)
			if err != nil {
				t.Fatalf("ApplyDNS: %v", err)
			}
			if changed != st.wantChanged {
				t.Errorf("changed = %v, want %v", changed, st.wantChanged)
			}
			got, err := s.DNSRecords()
			if err != nil {
				t.Fatal(err)
			}
			want := slices.Sorted(slices.Values(st.want)) // DNSRecords promises sorted
			if !slices.Equal(got, want) {
				t.Errorf("DNSRecords = %q, want %q", got, want)
			}
			wantEvents := events
			if st.wantChanged {
				wantEvents++
			}
			if n := len(eventKinds(t, s)); n != wantEvents {
				t.Errorf("%d events, want %d", n, wantEvents)
			}
		})
	}
	if _, err := s.ApplyDNS([]string{""}, nil); err == nil {
		t.Errorf("ApplyDNS accepted an empty record")
	}
	want, _ := s.DNSRecords()
	s.Close()
	s, err = Open(path, &Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, _ := s.DNSRecords(); !slices.Equal(got, want) {
		t.Errorf("DNSRecords after reopen = %q, want %q", got, want)
	}
}
