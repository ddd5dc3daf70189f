package truststore

import (
	"fmt"
	"io"
	"strings"
)

// Select returns the stores to work on: those named, in order, or, when
// names is nil, this machine's default selection (see Available). A name it
// does not know is an error wrapping ErrUnknownStore. home and as are
// Available's.
func Select(home string, as *User, names []string) ([]Store, error) {
	all, def := Available(home, as)
	if names == nil {
		names = def
	}
	stores := make([]Store, 0, len(names))
	for _, n := range names {
		n = strings.TrimSpace(n)
		s, ok := all[n]
		if !ok {
			return nil, fmt.Errorf("%q: %w", n, ErrUnknownStore)
		}
		stores = append(stores, s)
	}
	return stores, nil
}

// Text is the step as a line for a human: its state, where, and the detail
// ("installed in /etc/ssl/certs/x.pem", "skipped: certutil not found").
func (s Step) Text() string {
	line := s.State
	if s.Where != "" {
		sep := map[string]string{"installed": " in ", "removed": " from "}[s.State]
		if sep == "" {
			sep = ": "
		}
		line += sep + s.Where
	}
	if s.Detail != "" {
		if s.Where != "" {
			line += " (" + s.Detail + ")"
		} else {
			line += ": " + s.Detail
		}
	}
	return line
}

// WriteText writes the report for a human: the root and its fingerprint,
// then a line per step (one per database for NSS), each led by its store.
func (r Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "%-8s %s, SHA-256 %s\n", "root", r.Root, r.SHA256)
	for _, s := range r.Stores {
		fmt.Fprintf(w, "%-8s %s\n", s.Store, s.Text())
	}
}
