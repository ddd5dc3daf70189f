package ca_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// TestStoreText: the status of each engine and the event log as the
// commands print them, with what came from outside escaped.
func TestStoreText(t *testing.T) {
	at := time.Date(2031, 3, 4, 5, 6, 7, 0, time.Local)
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
		want  string
	}{
		{"bbolt", func(b *bytes.Buffer) error {
			return ca.WriteStoreStatus(b, &store.Status{BackendStatus: store.BackendStatus{Engine: "bbolt", Where: "/h/localca.db", Size: 65536, InUse: 8192, PageSize: 4096},
				Schema: 4, Keyspace: 5, Records: map[string]int{"event": 3, "cert": 1}})
		}, "engine   bbolt (/h/localca.db)\nschema   4 (keyspace 5)\nfile     65536 bytes\nin use   8192 bytes (pages in use x 4096-byte pages)\n  cert             1\n  event            3\n"},
		{"etcd", func(b *bytes.Buffer) error {
			return ca.WriteStoreStatus(b, &store.Status{BackendStatus: store.BackendStatus{Engine: "etcd", Where: "etcd://h:2379/ca", Size: 100, InUse: 50, Revision: 7, Members: []string{"m1\x1b"}},
				Schema: 4, Records: map[string]int{}})
		}, "engine   etcd (etcd://h:2379/ca)\nschema   4\nrevision 7\ndatabase 100 bytes (50 in use, the whole cluster's)\nmembers\n  \"m1\\x1b\"\n"},
		{"events", func(b *bytes.Buffer) error {
			return ca.WriteEvents(b, []ca.Event{{Seq: 1, Time: at, Kind: "ca.init", Ref: "root"}, {Seq: 12, Time: at, Kind: "cert.issued", Ref: "01AB", Detail: "evil\nline"}})
		}, "     1  2031-03-04 05:06:07  ca.init       root\n    12  2031-03-04 05:06:07  cert.issued   01AB  (\"evil\\nline\")\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

// TestWriteDNSKeys: a line per key, "any" for a key of every type.
func TestWriteDNSKeys(t *testing.T) {
	at := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	var b bytes.Buffer
	err := ca.WriteDNSKeys(&b, []ca.DNSKey{
		{Name: "acme.", Allow: []string{"_acme-challenge.a.test.", "*.b.test."}, Types: []string{"TXT"}, Created: at},
		{Name: "all.", Allow: []string{"c.test."}, Created: at},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "acme.\tallow _acme-challenge.a.test.,*.b.test.\ttypes TXT\tcreated 2031-03-04T05:06:07Z\n" +
		"all.\tallow c.test.\ttypes any\tcreated 2031-03-04T05:06:07Z\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}
