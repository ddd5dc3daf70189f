package truststore

import (
	"bytes"
	"fmt"
	"io"
)

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
func (r Report) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%-8s %s, SHA-256 %s\n", "root", r.Root, r.SHA256)
	for _, s := range r.Stores {
		fmt.Fprintf(&b, "%-8s %s\n", s.Store, s.Text())
	}
	_, err := w.Write(b.Bytes())
	return err
}
