package ca

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/localca/localca/internal/logsafe"
)

// WriteText writes the certificate as `localca show` prints it: a row per
// field that has a value. A certificate read from any file may carry any
// subject, so every value is escaped (logsafe.Quote): it cannot move the
// cursor or start a forged line.
func (in CertInfo) WriteText(w io.Writer) error {
	var b bytes.Buffer
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-16s %s\n", k+":", logsafe.Quote(v))
		}
	}
	row("Serial", in.Serial)
	row("Subject", in.Subject)
	row("Names", strings.Join(in.Names, ", "))
	row("Issuer", in.Issuer)
	row("Valid", fmt.Sprintf("%s to %s (%s)", in.NotBefore.UTC().Format(time.RFC3339), in.NotAfter.UTC().Format(time.RFC3339), in.ValidityLeft))
	row("Key", in.Key)
	row("Key SHA-256", in.KeyFingerprint)
	row("Cert SHA-256", in.SHA256)
	if in.IsCA {
		row("CA", "yes")
	}
	row("Key usage", strings.Join(in.KeyUsage, ", "))
	row("Ext key usage", strings.Join(in.ExtKeyUsage, ", "))
	for _, nc := range in.NameConstraints {
		row("Constraint", nc)
	}
	row("Profile", in.Profile)
	row("Status", in.statusText())
	_, err := w.Write(b.Bytes())
	return err
}

// statusText is the status with its revocation time and reason, and a
// word when the certificate is not in the store that was asked.
func (in CertInfo) statusText() string {
	status := in.Status
	if !in.RevokedAt.IsZero() {
		status += " at " + in.RevokedAt.UTC().Format(time.RFC3339)
		if in.RevokedReason != "" {
			status += " (" + in.RevokedReason + ")"
		}
	}
	if !in.InStore {
		status = strings.TrimSpace(status + " (not in this store)")
	}
	return status
}

// CAInfo describes a CA as `localca ca info` and `localca init` show it:
// where its store is, whether its keys are encrypted, and its root and
// intermediate. Its JSON form is part of the command line's interface (the
// fields are in the order of their keys, as a map of them printed).
type CAInfo struct {
	Intermediate CertInfo `json:"intermediate"`
	Keys         string   `json:"keys"`
	Root         CertInfo `json:"root"`
	Store        string   `json:"store"`
}

// Info describes the CA as of now, its store at where: the root and the
// intermediate both in the store and active, unless the intermediate is
// revoked, which then signs nothing more.
func (c *CA) Info(where string, now time.Time) CAInfo {
	root, inter := Describe(c.Root(), nil, now), Describe(c.Intermediate(), nil, now)
	root.InStore, root.Status = true, "active"
	inter.InStore, inter.Status = true, "active"
	if at, reason := c.IntermediateRevoked(); !at.IsZero() {
		inter.Status, inter.RevokedAt, inter.RevokedReason = "revoked (signs nothing more: localca init --force)", at, ReasonName(reason)
	}
	keys := "NOT encrypted (--no-password)"
	if c.Encrypted() {
		keys = "encrypted (PKCS#8 PBES2)"
	}
	return CAInfo{Intermediate: inter, Keys: keys, Root: root, Store: where}
}

// WriteText writes the CA's description as `localca ca info` prints it.
func (i CAInfo) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Store:           %s\nCA keys:         %s\n\nRoot\n", i.Store, i.Keys)
	i.Root.WriteText(&b) // a bytes.Buffer's writes do not fail
	b.WriteString("\nIntermediate\n")
	i.Intermediate.WriteText(&b)
	_, err := w.Write(b.Bytes())
	return err
}

// WriteCertTable writes records as `localca list` prints them: a table of
// serial, status as of now, profile, expiry and names (escaped).
func WriteCertTable(w io.Writer, recs []*CertRecord, now time.Time) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERIAL\tSTATUS\tPROFILE\tNOT AFTER\tNAMES")
	for _, rec := range recs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", rec.SerialHex(), rec.StatusAt(now), rec.Profile, rec.NotAfter.UTC().Format("2006-01-02 15:04"), logsafe.Join(rec.Names, ","))
	}
	return tw.Flush()
}
