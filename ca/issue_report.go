package ca

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/localca/localca/internal/logsafe"
)

// IssueReport is what `localca issue` says of a certificate it issued and
// the files it wrote: its JSON for scripts, its text for people. The JSON
// keys are part of the command line's interface (the fields are in the
// order of their keys, as a map of them printed).
type IssueReport struct {
	Files    Files     `json:"files"`
	Names    []string  `json:"names"`
	NotAfter time.Time `json:"not_after"`
	Profile  string    `json:"profile"`
	Serial   string    `json:"serial"`
	// Key is the key's algorithm and size ("ecdsa 256"), for the text.
	Key string `json:"-"`
}

// Report describes iss, written to files.
func (iss *Issued) Report(files Files) IssueReport {
	return IssueReport{Files: files, Names: iss.Record.Names, NotAfter: iss.Cert.NotAfter,
		Profile: iss.Record.Profile, Serial: iss.Record.SerialHex(), Key: algSize(iss)}
}

// WriteText writes the report as `localca issue` prints it: names escaped,
// file names quoted for a shell.
func (r IssueReport) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Issued %s for %s (%s, serial %s, valid until %s)\n",
		r.Profile, logsafe.Join(r.Names, ", "), r.Key, r.Serial, r.NotAfter.UTC().Format("2006-01-02 15:04 MST"))
	r.Files.writeText(&b)
	_, err := w.Write(b.Bytes())
	return err
}

// RenewReport is what `localca renew` says of a renewal: the new
// certificate, the old one, and the files written. As IssueReport, its
// JSON keys are part of the command line's interface.
type RenewReport struct {
	Files      Files     `json:"files"`
	KeyReused  bool      `json:"key_reused"`
	Names      []string  `json:"names"`
	NotAfter   time.Time `json:"not_after"`
	OldRevoked bool      `json:"old_revoked"`
	OldSerial  string    `json:"old_serial"`
	Profile    string    `json:"profile"`
	Serial     string    `json:"serial"`
	Key        string    `json:"-"` // as IssueReport's
}

// Report describes the renewal r, written to files; keyReused says whether
// the old key was certified again (RenewRequest.ReuseKey).
func (r *Renewed) Report(files Files, keyReused bool) RenewReport {
	return RenewReport{Files: files, KeyReused: keyReused, Names: r.Record.Names, NotAfter: r.Cert.NotAfter,
		OldRevoked: r.Revoked, OldSerial: FormatSerial(r.Old.Record.Serial), Profile: r.Record.Profile,
		Serial: FormatSerial(r.Record.Serial), Key: algSize(r.Issued)}
}

// WriteText writes the report as `localca renew` prints it.
func (r RenewReport) WriteText(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Renewed %s as %s for %s (%s, valid until %s)\n",
		r.OldSerial, r.Serial, logsafe.Join(r.Names, ", "), r.Key, r.NotAfter.UTC().Format("2006-01-02 15:04 MST"))
	r.Files.writeText(&b)
	if r.OldRevoked {
		fmt.Fprintf(&b, "  revoked %s (superseded)\n", r.OldSerial)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// FixtureReport is what `localca issue --broken` says of the fixture it
// wrote. As IssueReport, its JSON keys are part of the interface.
type FixtureReport struct {
	Case    string `json:"case"`
	Defect  string `json:"defect"`
	Files   Files  `json:"files"`
	Profile string `json:"profile"`
	Serial  string `json:"serial"`
}

// Report describes the fixture f, written to files.
func (f *Fixture) Report(files Files) FixtureReport {
	return FixtureReport{Case: f.Case.Name, Defect: f.Case.Defect, Files: files, Profile: f.Record.Profile, Serial: f.Record.SerialHex()}
}

// WriteText writes the report as `localca issue --broken` prints it.
func (r FixtureReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "Issued fixture %s (%s; serial %s)\n  certificate: %s\n  key:         %s\n",
		FixtureName(r.Case), r.Defect, r.Serial, r.Files.Cert, r.Files.Key)
	return err
}

// writeText lists the files, quoted for a shell.
func (f Files) writeText(b *bytes.Buffer) {
	fmt.Fprintf(b, "  certificate: %s\n  key:         %s\n", logsafe.ShellWord(f.Cert), logsafe.ShellWord(f.Key))
	if f.P12 != "" {
		fmt.Fprintf(b, "  pkcs12:      %s\n", logsafe.ShellWord(f.P12))
	}
}

// algSize is DescribeKey of iss's key in one word pair: "ecdsa 256".
func algSize(iss *Issued) string {
	alg, size := DescribeKey(iss.Cert.PublicKey)
	return fmt.Sprintf("%s %d", alg, size)
}
