package dnssrv

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestLookup(t *testing.T) {
	ts := startServer(t, &Server{Zone: mustZone(t, testRecords...)})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tests := []struct {
		name, qtype string
		want        []string
	}{
		{"a.localca.test.", "A", []string{"127.0.0.1"}},
		{"a.localca.test", "aaaa", []string{"::1"}},
		{"txt.localca.test.", "TXT", []string{"hello"}},
		{"_echo._tcp.localca.test.", "SRV", []string{"10 5 7000 a.localca.test.", "20 5 7000 b.localca.test."}},
		{"localca.test.", "NS", []string{"ns.localca.test."}},
		{"www.localca.test.", "CNAME", []string{"a.localca.test."}},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.qtype, func(t *testing.T) {
			res, err := Lookup(ctx, tt.name, tt.qtype, ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			if res.Direct.Err != nil || !slices.Equal(res.Direct.Values, tt.want) || !res.Direct.Authoritative {
				t.Errorf("direct: %v (AA %v, err %v), want %v", res.Direct.Values, res.Direct.Authoritative, res.Direct.Err, tt.want)
			}
			if res.Resolver.Err != nil || !slices.Equal(res.Resolver.Values, tt.want) {
				t.Errorf("Go resolver: %v (err %v), want %v", res.Resolver.Values, res.Resolver.Err, tt.want)
			}
			// The true system path does not know our zone; it must not
			// hang or panic, and is reported either way.
			if res.System.Path == "" {
				t.Error("system path not reported")
			}
		})
	}

	t.Run("alias: resolver follows, direct shows the chain", func(t *testing.T) {
		res, err := Lookup(ctx, "alias.localca.test.", "A", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Direct.Records) != 3 || !slices.Equal(res.Direct.Values, []string{"127.0.0.1"}) {
			t.Errorf("direct records %v values %v", res.Direct.Records, res.Direct.Values)
		}
		if !slices.Equal(res.Resolver.Values, []string{"127.0.0.1"}) {
			t.Errorf("resolver values %v", res.Resolver.Values)
		}
	})
	t.Run("NXDOMAIN", func(t *testing.T) {
		res, err := Lookup(ctx, "nope.localca.test.", "A", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		if res.Direct.Rcode != "NXDOMAIN" || res.Direct.Err == nil || res.Resolver.Err == nil {
			t.Errorf("direct %+v, resolver err %v", res.Direct, res.Resolver.Err)
		}
	})
	t.Run("bad arguments", func(t *testing.T) {
		if _, err := Lookup(ctx, "a.localca.test.", "MX", ts.addr); !errors.Is(err, ErrType) {
			t.Errorf("MX: %v, want ErrType", err)
		}
		if _, err := Lookup(ctx, "", "A", ts.addr); !errors.Is(err, ErrParse) {
			t.Errorf("empty name: %v, want ErrParse", err)
		}
	})
}
