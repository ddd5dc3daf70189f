package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestStoreStatus: engine, schema, bytes and records by kind, as text and
// as JSON; store migrate on a current store says there is nothing to do.
func TestStoreStatus(t *testing.T) {
	h := newHome(t)
	h.initCA()
	h.issue(h.out, "web.localhost")
	var st struct {
		Engine   string         `json:"engine"`
		Schema   int            `json:"schema"`
		Keyspace int            `json:"keyspace"`
		Size     int64          `json:"size"`
		InUse    int64          `json:"in_use"`
		Records  map[string]int `json:"records"`
	}
	if err := json.Unmarshal([]byte(h.ok("store", "status", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Engine != "bbolt" || st.Schema != 4 || st.Keyspace != 7 || st.InUse <= 0 || st.Size < st.InUse ||
		st.Records["cert"] != 1 || st.Records["authority"] != 2 || st.Records["csr"] != 0 || st.Records["serial"] != 0 {
		t.Errorf("store status --json = %+v: want bbolt, schema 4, keyspace 7, one certificate, two authorities, "+
			"no CSR (issue keeps none), no serial entry (the certificate is kept under its serial's id)", st)
	}
	out := h.ok("store", "status")
	for _, want := range []string{"engine   bbolt", "schema   4 (keyspace 7)", "in use", "cert             1"} {
		if !strings.Contains(out, want) {
			t.Errorf("store status lacks %q:\n%s", want, out)
		}
	}
	if out := h.ok("store", "migrate"); !strings.Contains(out, "already schema 4") {
		t.Errorf("store migrate on a current store: %q", out)
	}
}
