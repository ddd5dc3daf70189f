package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/localca/localca/internal/logsafe"
	"github.com/localca/localca/store"
)

// TestLog reads the event log back after init, issue and revoke: each
// change has its event, in order, with what it was about; -n keeps the
// last ones; --json is what scripts read.
func TestLog(t *testing.T) {
	h := newHome(t)
	h.fail(1, "no store", "log")
	h.initCA()
	iss := h.issue(h.out, "web.localhost")
	h.ok("revoke", iss.serial, "--reason", "superseded")

	var events []store.Event
	if err := json.Unmarshal([]byte(h.ok("log", "-n", "0", "--json")), &events); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for i, ev := range events {
		kinds = append(kinds, ev.Kind)
		if i > 0 && ev.Seq <= events[i-1].Seq {
			t.Errorf("events out of order: %d after %d", ev.Seq, events[i-1].Seq)
		}
		if ev.Time.IsZero() {
			t.Errorf("event %d has no time", ev.Seq)
		}
	}
	// One event per issuance (issue keeps no CSR of its own).
	want := []string{"ca.init", "cert.issued", "cert.revoked"}
	if strings.Join(kinds, " ") != strings.Join(want, " ") {
		t.Fatalf("event kinds %q, want %q", kinds, want)
	}
	last := events[len(events)-1]
	if !sameSerial(last.Ref, iss.serial) {
		t.Errorf("the revocation's event is about %s, want serial %s", last.Ref, iss.serial)
	}

	out := h.ok("log", "-n", "1")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.Contains(lines[0], "cert.revoked") {
		t.Errorf("log -n 1:\n%s", out)
	}
	if out := h.ok("log"); strings.Count(out, "\n") != len(want) || !strings.Contains(out, "web.localhost") {
		t.Errorf("log:\n%s", out)
	}
	h.fail(2, "-n", "log", "-n", "-1")
	h.fail(2, "no arguments", "log", "extra")
}

// TestPrintable: what an outsider put in a CSR reaches the terminal escaped.
func TestPrintable(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"CN=web.localhost", "CN=web.localhost"},
		{"O=Ünïcode Ltd", "O=Ünïcode Ltd"},
		{"O=\x1b]0;pwned\x07\x1b[2J", `"O=\x1b]0;pwned\a\x1b[2J"`},
	} {
		if got := logsafe.Quote(tt.in); got != tt.want {
			t.Errorf("logsafe.Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
