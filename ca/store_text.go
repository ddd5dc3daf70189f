package ca

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/localca/localca/internal/logsafe"
	"github.com/localca/localca/store"
)

// WriteStoreStatus writes st as `localca store status` prints it: the
// engine and where it is (escaped: a path or endpoint may hold anything),
// the schema and sizes, then the records by kind in name order.
func WriteStoreStatus(w io.Writer, st *store.Status) error {
	var b bytes.Buffer
	if st.Engine == "etcd" {
		fmt.Fprintf(&b, "engine   etcd (%s)\nschema   %d\nrevision %d\ndatabase %d bytes (%d in use, the whole cluster's)\nmembers\n",
			logsafe.Quote(st.Where), st.Schema, st.Revision, st.Size, st.InUse)
		for _, m := range st.Members {
			fmt.Fprintf(&b, "  %s\n", logsafe.Quote(m))
		}
	} else {
		fmt.Fprintf(&b, "engine   %s (%s)\nschema   %d", st.Engine, logsafe.Quote(st.Where), st.Schema)
		if st.Keyspace != 0 {
			fmt.Fprintf(&b, " (keyspace %d)", st.Keyspace)
		}
		fmt.Fprintf(&b, "\nfile     %d bytes\nin use   %d bytes (pages in use x %d-byte pages)\n", st.Size, st.InUse, st.PageSize)
	}
	for _, k := range slices.Sorted(maps.Keys(st.Records)) {
		fmt.Fprintf(&b, "  %-16s %d\n", k, st.Records[k])
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteEvents writes events as `localca log` prints them, a line each:
// sequence, local time, kind, what the event is about and its detail, the
// last two escaped (a name in a CSR may hold anything).
func WriteEvents(w io.Writer, events []Event) error {
	var b bytes.Buffer
	for _, ev := range events {
		fmt.Fprintf(&b, "%6d  %s  %-13s %s", ev.Seq, ev.Time.Local().Format(time.DateTime), ev.Kind, logsafe.Quote(ev.Ref))
		if ev.Detail != "" {
			b.WriteString("  (" + logsafe.Quote(ev.Detail) + ")")
		}
		b.WriteByte('\n')
	}
	_, err := w.Write(b.Bytes())
	return err
}
