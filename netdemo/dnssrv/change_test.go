package dnssrv

import (
	"errors"
	"slices"
	"testing"
)

// TestAddRemoveRecord: records are parsed relative to the origin and
// stored in their canonical text; adding twice changes nothing, removing
// what is not there is ErrNoSuchRecord, and a record that does not parse
// never reaches the Backing.
func TestAddRemoveRecord(t *testing.T) {
	b := &memBacking{}
	const want = "web.localca.test.\t60\tIN\tA\t127.0.0.1"
	tests := []struct {
		name        string
		change      func(Backing, string, string) (string, bool, error)
		text        string
		wantChanged bool
		wantErr     error
		wantRecs    []string
	}{
		{"add, relative name", AddRecord, "web 60 IN A 127.0.0.1", true, nil, []string{want}},
		{"add again", AddRecord, "web.localca.test. 60 IN A 127.0.0.1", false, nil, []string{want}},
		{"add unparsable", AddRecord, "web 60 IN A not-an-address", false, ErrParse, []string{want}},
		{"remove", RemoveRecord, "web 60 IN A 127.0.0.1", true, nil, nil},
		{"remove again", RemoveRecord, "web 60 IN A 127.0.0.1", false, ErrNoSuchRecord, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, changed, err := tt.change(b, tt.text, "localca.test.")
			if !errors.Is(err, tt.wantErr) || changed != tt.wantChanged {
				t.Fatalf("= %q, %v, %v; want changed %v, error %v", text, changed, err, tt.wantChanged, tt.wantErr)
			}
			if err == nil && text != want {
				t.Errorf("record %q, want %q", text, want)
			}
			if recs, _ := b.Records(); !slices.Equal(recs, tt.wantRecs) {
				t.Errorf("backing holds %q, want %q", recs, tt.wantRecs)
			}
		})
	}
}
