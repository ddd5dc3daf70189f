package certpem

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/localca/localca/internal/testkit"
)

func TestParse(t *testing.T) {
	p := testkit.NewPKI(t, "certpem")
	block := func(typ string, der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	root, inter := block("CERTIFICATE", p.Root.Raw), block("CERTIFICATE", p.Inter.Raw)
	key := block("PRIVATE KEY", []byte("not read"))
	tests := []struct {
		name    string
		data    []byte
		want    []*x509.Certificate
		wantErr string
		is      error
	}{
		{name: "one PEM", data: root, want: []*x509.Certificate{p.Root}},
		{name: "a chain with a key between", data: concat(inter, key, root), want: []*x509.Certificate{p.Inter, p.Root}},
		{name: "DER", data: p.Inter.Raw, want: []*x509.Certificate{p.Inter}},
		{name: "PEM without a certificate", data: key, is: ErrNoCertificate},
		{name: "damaged CERTIFICATE block", data: concat(root, block("CERTIFICATE", []byte{0x30, 0x03})), wantErr: "x509:"},
		{name: "neither", data: []byte("hello"), wantErr: "neither PEM nor a DER certificate"},
		{name: "empty", data: nil, wantErr: "neither PEM nor a DER certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.data)
			if tt.want == nil {
				if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse: %v, want an error (%v, %q)", err, tt.is, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d certificates, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if !got[i].Equal(tt.want[i]) {
					t.Errorf("certificate %d is %s, want %s", i, got[i].Subject, tt.want[i].Subject)
				}
			}
		})
	}
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
