package acme_test

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/localca/localca/ca/acme"
)

// TestWriteLists: the tables of `localca acme accounts` and `orders`, what
// a client sent quoted.
func TestWriteLists(t *testing.T) {
	tests := []struct {
		name     string
		accounts []acme.Account // listed when orders is nil
		orders   []acme.Order
		want     string
	}{
		{name: "accounts", accounts: []acme.Account{{ID: "a1", Status: "valid", Created: time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC), Addr: "127.0.0.1:5\n", EABKeyID: "kid"}},
			want: "ID  STATUS  CREATED               FROM             EAB\na1  valid   2031-03-04T05:06:07Z  \"127.0.0.1:5\\n\"  kid\n"},
		{name: "no accounts", want: "ID  STATUS  CREATED  FROM  EAB\n"},
		{name: "orders", orders: []acme.Order{{ID: "o1", Status: "valid", Profile: "server", Serial: "01AB", AccountID: "a1",
			Identifiers: []acme.Ident{{Type: "dns", Value: "a.test"}, {Type: "dns", Value: "b.test"}}}},
			want: "ID  STATUS  PROFILE  NAMES            SERIAL  ACCOUNT\no1  valid   server   \"a.test,b.test\"  01AB    a1\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		err := acme.WriteAccounts(&b, tt.accounts)
		if tt.orders != nil {
			b.Reset()
			err = acme.WriteOrders(&b, tt.orders)
		}
		if err != nil || b.String() != tt.want {
			t.Errorf("%s: got %v\n%q\nwant\n%q", tt.name, err, b.String(), tt.want)
		}
	}
}

// TestEABReport: `acme eab create`'s JSON keys as ever, the two values a
// client needs on stdout, and an escaped note.
func TestEABReport(t *testing.T) {
	k := &acme.EABKey{KeyID: "kid-1", HMAC: []byte{0xfb, 0xff}, Name: "ci\n", Allow: []string{"*.ci.test"}}
	r := k.Report()
	raw, err := json.Marshal(r)
	if want := `{"allow":["*.ci.test"],"hmac":"-_8","kid":"kid-1","name":"ci\n"}`; err != nil || string(raw) != want {
		t.Errorf("JSON %s, %v; want %s", raw, err, want)
	}
	tests := []struct {
		name  string
		write func(io.Writer) error
		want  string
	}{
		{"text", r.WriteText, "kid  kid-1\nhmac -_8\n"},
		{"note", r.WriteNote, `EAB key "ci\n" may order ["*.ci.test"]; give the client both values (lego --eab --kid KID --hmac HMAC)` + "\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := tt.write(&b); err != nil || b.String() != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, b.String(), err, tt.want)
		}
	}
}
