package dnssrv

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Answers are the paths that ran, in the order System, Resolver, Direct.
func (r LookupResult) Answers() []Answer {
	var out []Answer
	for _, a := range []Answer{r.System, r.Resolver, r.Direct} {
		if a.Path != "" {
			out = append(out, a)
		}
	}
	return out
}

// MarshalJSON writes an Answer for a script: path, values, rcode,
// authoritative and the error's text; the zone-file records stay out.
func (a Answer) MarshalJSON() ([]byte, error) {
	j := struct {
		Path          string   `json:"path"`
		Values        []string `json:"values"`
		Rcode         string   `json:"rcode,omitempty"`
		Authoritative bool     `json:"authoritative,omitempty"`
		Error         string   `json:"error,omitempty"`
	}{Path: a.Path, Values: a.Values, Rcode: a.Rcode, Authoritative: a.Authoritative}
	if a.Err != nil {
		j.Error = a.Err.Error()
	}
	return json.Marshal(j)
}

// WriteText writes the answers side by side for a person: each path, its
// error, its values sorted (so that the paths compare line by line), and
// the rcode and AA flag of a direct query.
func (r LookupResult) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, a := range r.Answers() {
		fmt.Fprintf(&b, "%s\n", a.Path)
		if a.Err != nil {
			fmt.Fprintf(&b, "  error: %v\n", a.Err)
		}
		vals := append([]string(nil), a.Values...)
		sort.Strings(vals)
		for _, v := range vals {
			fmt.Fprintf(&b, "  %s\n", v)
		}
		if a.Rcode != "" {
			fmt.Fprintf(&b, "  rcode %s, authoritative %v\n", a.Rcode, a.Authoritative)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
