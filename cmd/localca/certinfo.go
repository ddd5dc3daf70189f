package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/localca/localca/ca"
)

// printCertInfo writes what `show` and `ca info` print about a certificate.
func printCertInfo(w io.Writer, in ca.CertInfo) {
	row := func(k, v string) {
		if v != "" {
			// show FILE reads certificates from anywhere: what their
			// subject says reaches the terminal escaped.
			fmt.Fprintf(w, "%-16s %s\n", k+":", printable(v))
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
	row("Status", status)
}
