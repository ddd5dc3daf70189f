package ca

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
)

// KeyList is Keys without their secrets: the names and limits that may be
// shown, read with no password.
func (z DNSZone) KeyList() ([]DNSKey, error) {
	z.Secrets = nil
	keys, err := z.Keys()
	for i := range keys {
		keys[i].Secret = ""
	}
	return keys, err
}

// WriteDNSRecords writes records in zone-file form as `localca dns list`
// prints them, one per line.
func WriteDNSRecords(w io.Writer, records []string) error {
	var b bytes.Buffer
	for _, r := range records {
		fmt.Fprintln(&b, r)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// TypesOrAny is Types as a person reads it: ["any"] for a key that may
// change records of every type.
func (k DNSKey) TypesOrAny() []string {
	if len(k.Types) == 0 {
		return []string{"any"}
	}
	return k.Types
}

// WriteDNSKeys writes keys as `localca dns key list` prints them, a line
// each: name, the names it may update, its types, when it was made.
func WriteDNSKeys(w io.Writer, keys []DNSKey) error {
	var b bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&b, "%s\tallow %s\ttypes %s\tcreated %s\n", k.Name, strings.Join(k.Allow, ","),
			strings.Join(k.TypesOrAny(), ","), k.Created.Format(time.RFC3339))
	}
	_, err := w.Write(b.Bytes())
	return err
}
