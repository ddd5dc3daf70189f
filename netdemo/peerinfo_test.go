package netdemo

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// TestSerialAsOpenSSL: /whoami, the TCP greeting and the refusal messages
// print a serial as `openssl x509 -serial` does, leading zero included
// (big.Int.Text(16) drops it: 0A1B2C came out as a1b2c).
func TestSerialAsOpenSSL(t *testing.T) {
	testkit.NeedTool(t, "openssl")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, serial := range []int64{0x0a1b2c, 0x7f00, 0x01} {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "serial.test"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		cert, _ := x509.ParseCertificate(der)
		f := filepath.Join(t.TempDir(), "c.pem")
		if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		want := strings.TrimPrefix(strings.TrimSpace(testkit.MustRun(t, "openssl", "x509", "-in", f, "-noout", "-serial")), "serial=")
		if got := DescribeCertificate(cert, time.Now()).Serial; got != want {
			t.Errorf("serial %#x: /whoami says %s, openssl %s", serial, got, want)
		}
		if d := describeCert(cert); !strings.Contains(d, "serial "+want+")") {
			t.Errorf("serial %#x: refusals say %s, openssl %s", serial, d, want)
		}
	}
}
