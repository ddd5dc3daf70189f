package ca_test

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"path/filepath"
	"testing"

	"github.com/localca/localca/ca"
)

// TestRenewFiles: in place over the file given, else as issue names them.
func TestRenewFiles(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	old, err := c.Issue(ca.IssueRequest{Names: []string{"*.web.test", "web.test"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                   string
		certFile, keyFile, dir string
		p12                    bool
		want                   ca.Files
	}{
		{"by serial", "", "", "out", false, ca.Files{Cert: filepath.Join("out", "_wildcard.web.test.pem"), Key: filepath.Join("out", "_wildcard.web.test-key.pem")}},
		{"by serial, p12", "", "", ".", true, ca.Files{Cert: "_wildcard.web.test.pem", Key: "_wildcard.web.test-key.pem", P12: "_wildcard.web.test.p12"}},
		{"in place", "a/site.pem", "", "ignored", true, ca.Files{Cert: "a/site.pem", Key: "a/site-key.pem", P12: "a/site.p12"}},
		{"in place, own key file", "site.crt", "k.pem", ".", false, ca.Files{Cert: "site.crt", Key: "k.pem"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ca.RenewFiles(old, tt.certFile, tt.keyFile, tt.dir, tt.p12); got != tt.want {
				t.Errorf("RenewFiles = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestCRLs: the lists asked for, the intermediate's first, joined as PEM
// blocks or DER in that order.
func TestCRLs(t *testing.T) {
	c := newCA(t, "ecdsa-p256")
	for _, tt := range []struct {
		inter, root bool
		issuers     []string
	}{
		{true, false, []string{c.Intermediate().Subject.String()}},
		{false, true, []string{c.Root().Subject.String()}},
		{true, true, []string{c.Intermediate().Subject.String(), c.Root().Subject.String()}},
	} {
		lists, err := c.CRLs(tt.inter, tt.root, ca.CRLOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(lists) != len(tt.issuers) {
			t.Fatalf("CRLs(%v, %v): %d lists, want %d", tt.inter, tt.root, len(lists), len(tt.issuers))
		}
		joined := ca.JoinCRLs(lists, false)
		der := ca.JoinCRLs(lists, true)
		for i, l := range lists {
			parsed, err := x509.ParseRevocationList(l.DER)
			if err != nil {
				t.Fatal(err)
			}
			if parsed.Issuer.String() != tt.issuers[i] {
				t.Errorf("list %d issued by %s, want %s", i, parsed.Issuer, tt.issuers[i])
			}
		}
		var blocks, ders []byte
		for rest := joined; ; {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			blocks = append(blocks, b.Bytes...)
		}
		for _, l := range lists {
			ders = append(ders, l.DER...)
		}
		if !bytes.Equal(blocks, ders) || !bytes.Equal(der, ders) {
			t.Errorf("JoinCRLs(%v, %v): PEM or DER does not hold the lists in order", tt.inter, tt.root)
		}
	}
}
