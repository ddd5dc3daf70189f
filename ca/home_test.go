package ca_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// testHome is a Home in a fresh folder that reads only env, never the
// user's environment.
func testHome(t *testing.T, env map[string]string) ca.Home {
	t.Helper()
	return ca.Home{Dir: filepath.Join(t.TempDir(), "home"), Getenv: func(k string) string { return env[k] }}
}

func TestHomePath(t *testing.T) {
	tmp := t.TempDir()
	tests := []struct {
		name string
		dir  string
		env  map[string]string
		want string
	}{
		{"flag first", tmp + "/flag", map[string]string{"LOCALCA_HOME": tmp + "/env"}, tmp + "/flag"},
		{"LOCALCA_HOME", "", map[string]string{"LOCALCA_HOME": tmp + "/env", "XDG_DATA_HOME": tmp + "/xdg"}, tmp + "/env"},
		{"XDG_DATA_HOME", "", map[string]string{"XDG_DATA_HOME": tmp + "/xdg"}, tmp + "/xdg/localca"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := ca.Home{Dir: tt.dir, Getenv: func(k string) string { return tt.env[k] }}
			got, err := h.Path()
			if err != nil || got != tt.want {
				t.Fatalf("Path() = %q, %v; want %q", got, err, tt.want)
			}
			loc, err := h.Location()
			if err != nil || loc.Where != filepath.Join(tt.want, "localca.db") {
				t.Fatalf("Location() = %q, %v; want the store in %q", loc.Where, err, tt.want)
			}
		})
	}
	h := ca.Home{Dir: tmp, Getenv: func(k string) string { return map[string]string{"LOCALCA_STORE": "etcd://127.0.0.1:2379/ca"}[k] }}
	if loc, _ := h.Location(); !loc.IsEtcd() {
		t.Errorf("LOCALCA_STORE=etcd://...: Location() = %q, want etcd", loc.Where)
	}
}

func TestHomePolicy(t *testing.T) {
	h := testHome(t, nil)
	if _, from, err := h.Policy(); err != nil || from != "built-in default" {
		t.Fatalf("no policy file: from %q, %v; want the built-in default", from, err)
	}
	if err := os.MkdirAll(h.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, h.Dir, "policy.toml", []byte("this is = = not toml"))
	if _, _, err := h.Policy(); err == nil {
		t.Fatalf("a broken HOME/policy.toml was accepted: the CA must not fall back to the default")
	}
	if err := os.Chmod(p, 0o666); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.Policy(); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("a world-writable policy file: %v, want a refusal naming it", err)
	}
	h.PolicyFile = filepath.Join(t.TempDir(), "missing.toml")
	if _, _, err := h.Policy(); err == nil {
		t.Fatalf("a missing --policy file was accepted")
	}
}

func TestHomeOpenerRefusals(t *testing.T) {
	h := testHome(t, map[string]string{"LOCALCA_LOCK_WAIT": "soon"})
	if _, err := h.Opener(true); !errors.Is(err, ca.ErrNoStoreYet) || !strings.Contains(err.Error(), "localca init") {
		t.Errorf("read-only open of a missing store: %v, want ErrNoStoreYet saying what to run", err)
	}
	if _, err := os.Stat(h.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a read-only open created the home")
	}
	if _, err := h.Opener(false); !errors.Is(err, ca.ErrBadEnv) || !strings.Contains(err.Error(), `LOCALCA_LOCK_WAIT="soon"`) {
		t.Errorf("LOCALCA_LOCK_WAIT=soon: %v, want ErrBadEnv naming it", err)
	}
	if fi, err := os.Stat(h.Dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("a writing open makes the home 0700: %v %v", fi, err)
	}
}

func TestHomeOpen(t *testing.T) {
	h := testHome(t, nil)
	if _, err := h.RecordKey(newKey(t, "ecdsa-p256").Public(), nil, "before init"); err != nil {
		t.Fatalf("RecordKey before init: %v", err)
	}
	for _, a := range []ca.Access{{ReadOnly: true}, {Hold: true}} {
		if _, _, err := h.Open(a, ca.Options{}); !errors.Is(err, ca.ErrNoCA) || !strings.Contains(err.Error(), "localca init") {
			t.Errorf("Open(%+v) of a store with no CA: %v, want ErrNoCA saying what to run", a, err)
		}
	}
	c, created, err := h.Open(ca.Access{InitIfNone: true}, ca.Options{})
	if err != nil || !created {
		t.Fatalf("Open(InitIfNone) = created %v, %v; want a new CA", created, err)
	}
	if _, created, err := h.Open(ca.Access{InitIfNone: true}, ca.Options{}); err != nil || created {
		t.Fatalf("second Open(InitIfNone) = created %v, %v; want the same CA loaded", created, err)
	}
	iss, err := c.Issue(ca.IssueRequest{Names: []string{"home.test"}})
	if err != nil {
		t.Fatalf("Issue through a connected CA: %v", err)
	}

	held, _, err := h.Open(ca.Access{Hold: true}, ca.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, inter, err := held.RevokeSerial(iss.Cert.SerialNumber.Bytes(), 4)
	if err != nil || inter != "" || r.Reason != "superseded" || r.Names[0] != "home.test" {
		t.Fatalf("RevokeSerial = %+v %q %v", r, inter, err)
	}
	if _, _, err := held.RevokeSerial([]byte{0x7f, 1}, ca.NoReason); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("RevokeSerial of an unknown serial: %v, want ErrNotFound", err)
	}
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}

	recs, err := h.Certificates(ca.CertFilter{Status: ca.CertRevoked}, nil)
	if err != nil || len(recs) != 1 || recs[0].SerialHex() != r.Serial {
		t.Fatalf("Certificates(revoked) = %d, %v; want the one revoked", len(recs), err)
	}
	if recs, _ := h.Certificates(ca.CertFilter{}, func(*ca.CertRecord) bool { return false }); len(recs) != 0 {
		t.Errorf("keep refusing all kept %d", len(recs))
	}
	if ev, err := h.Events(0); err != nil || len(ev) < 3 {
		t.Errorf("Events = %d, %v; want the key, the init, the issue and the revocation", len(ev), err)
	}
	got, err := h.Stored(iss.Cert.SerialNumber.Bytes())
	if err != nil || len(got.KeyPEM) == 0 {
		t.Errorf("Stored: %v, want the certificate with its key", err)
	}
}

func TestHomeDescribeRef(t *testing.T) {
	h := testHome(t, nil)
	c, _, err := h.Open(ca.Access{InitIfNone: true}, ca.Options{})
	if err != nil {
		t.Fatal(err)
	}
	iss, err := c.Issue(ca.IssueRequest{Names: []string{"show.test"}})
	if err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, t.TempDir(), "show.pem", certPEM(iss.Cert))
	serial := ca.FormatSerial(iss.Cert.SerialNumber.Bytes())
	elsewhere := writeFile(t, t.TempDir(), "root.pem", certPEM(c.Root()))
	tests := []struct {
		ref     string
		inStore bool
		err     error
	}{
		{file, true, nil},
		{serial, true, nil},
		{elsewhere, false, nil}, // the root is no issued certificate
		{"zz-not-hex", false, ca.ErrBadRef},
		{"00ff", false, ca.ErrNotFound},
	}
	for _, tt := range tests {
		in, err := h.DescribeRef(tt.ref, time.Now())
		if !errors.Is(err, tt.err) || (err == nil && in.InStore != tt.inStore) {
			t.Errorf("DescribeRef(%q) = in store %v, %v; want %v, %v", tt.ref, in.InStore, err, tt.inStore, tt.err)
		}
	}
	// A file is described even where there is no store.
	if in, err := testHome(t, nil).DescribeRef(file, time.Now()); err != nil || in.InStore || in.Names[0] != "show.test" {
		t.Errorf("DescribeRef(file) without a store = %+v, %v", in, err)
	}
}

func TestHomeRecordCSRAndRevokeRefs(t *testing.T) {
	h := testHome(t, nil)
	key := newKey(t, "ecdsa-p256")
	req := ca.CSRRequest{SANs: []string{"csr.test"}}
	_, id, err := h.CreateCSR(key, req)
	if err != nil || len(id) != 32 {
		t.Fatalf("a CSR recorded before init = %x, %v", id, err)
	}
	if _, _, err := h.Open(ca.Access{InitIfNone: true}, ca.Options{}); err != nil {
		t.Fatal(err)
	}
	c, _, err := h.Open(ca.Access{Hold: true}, ca.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.RejectCSRRef(strings.ToUpper(hex.EncodeToString(id))); err != nil || string(got) != string(id) {
		t.Errorf("RejectCSRRef(id) = %x, %v", got, err)
	}
	if _, err := c.RejectCSRRef(filepath.Join(t.TempDir(), "none.csr")); err == nil || !strings.Contains(err.Error(), "64-hex-digit CSR id") {
		t.Errorf("RejectCSRRef(missing file): %v, want a hint", err)
	}
	fp, _ := ca.Fingerprint(key.Public())
	if _, err := c.RevokeKeyRef(hex.EncodeToString(fp)); err != nil {
		t.Errorf("RevokeKeyRef(fingerprint): %v", err)
	}
	c.Close()
	if _, _, err := h.CreateCSR(key, req); !errors.Is(err, store.ErrKeyRevoked) {
		t.Errorf("a CSR for a revoked key: %v, want ErrKeyRevoked", err)
	}
}

func TestHomeNewKeyAndReadKeyFile(t *testing.T) {
	h := testHome(t, nil)
	spec, err := ca.NewKeySpec("ecdsa", 0, "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, pw := range [][]byte{nil, []byte("secret")} {
		pemKey, rec, err := h.NewKey(spec, pw, "test")
		if err != nil || rec.Algorithm == "" {
			t.Fatalf("NewKey(password %q) = %+v, %v", pw, rec, err)
		}
		asked := 0
		key, err := ca.ReadKeyFile(writeFile(t, dir, "k.pem", pemKey), func() ([]byte, error) { asked++; return pw, nil })
		if err != nil || (pw == nil) != (asked == 0) {
			t.Fatalf("ReadKeyFile(password %q): asked %d times, %v", pw, asked, err)
		}
		if fp, _ := ca.Fingerprint(key.Public()); !bytes.Equal(fp, rec.Fingerprint) {
			t.Errorf("the key read back is not the key recorded")
		}
	}
	if _, err := ca.ReadKeyFile(filepath.Join(dir, "none.pem"), nil); err == nil || !strings.Contains(err.Error(), "none.pem") {
		t.Errorf("ReadKeyFile(missing): %v, want an error naming the file", err)
	}
}

func TestHomeSelfSign(t *testing.T) {
	h := testHome(t, nil)
	key := newKey(t, "ecdsa-p256")
	der, err := ca.CreateCSR(key, ca.CSRRequest{SANs: []string{"self.test"}})
	if err != nil {
		t.Fatal(err)
	}
	csrPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
	tests := []struct {
		name string
		key  crypto.Signer
		err  error
	}{
		{"the CSR's own key", key, nil},
		{"another key", newKey(t, "ecdsa-p256"), ca.ErrKeyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := h.SelfSign(csrPEM, tt.key, ca.SignOptions{Profile: "server"}, time.Now())
			if !errors.Is(err, tt.err) {
				t.Fatalf("SelfSign = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if err := iss.Cert.CheckSignature(iss.Cert.SignatureAlgorithm, iss.Cert.RawTBSCertificate, iss.Cert.Signature); err != nil {
				t.Errorf("not signed by its own key: %v", err)
			}
			if got, err := h.Stored(iss.Cert.SerialNumber.Bytes()); err != nil || got.Cert.SerialNumber.Cmp(iss.Cert.SerialNumber) != 0 {
				t.Errorf("Stored(serial) = %v, want the self-signed certificate on record", err)
			}
		})
	}
}

func TestHomeStoredKeyPEM(t *testing.T) {
	h := testHome(t, nil)
	pw := []byte("s3cret")
	withPassword := ca.Options{Password: func() ([]byte, error) { return pw, nil }}
	c, _, err := h.Init(ca.InitOptions{Password: pw}, withPassword)
	if err != nil {
		t.Fatal(err)
	}
	issued, err := c.Issue(ca.IssueRequest{Names: []string{"kept.test"}})
	if err != nil {
		t.Fatal(err)
	}
	signed, err := c.Sign(csrPEM(t, newKey(t, "ecdsa-p256"), &x509.CertificateRequest{DNSNames: []string{"csr.test"}}), ca.SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	kept, fromCSR := issued.Cert.SerialNumber.Bytes(), signed.Cert.SerialNumber.Bytes()
	tests := []struct {
		name   string
		seal   bool
		serial []byte
		opts   ca.Options
		want   []byte
		err    error
	}{
		{"kept in clear", false, kept, ca.Options{}, issued.KeyPEM, nil},
		{"signed from a CSR", false, fromCSR, ca.Options{}, nil, ca.ErrNoStoredKey},
		{"not in the store", false, []byte{0x7f, 1}, ca.Options{}, nil, ca.ErrNotFound},
		{"sealed, opened with the CA password", true, kept, withPassword, issued.KeyPEM, nil},
		{"sealed, no password", true, kept, ca.Options{Password: func() ([]byte, error) { return nil, ca.ErrPasswordRequired }}, nil, ca.ErrPasswordRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.seal {
				if _, err := h.SealStore(pw); err != nil {
					t.Fatal(err)
				}
			}
			got, err := h.StoredKeyPEM(tt.serial, tt.opts)
			if !errors.Is(err, tt.err) || !bytes.Equal(got, tt.want) {
				t.Errorf("StoredKeyPEM = %d bytes, %v; want %d bytes, %v", len(got), err, len(tt.want), tt.err)
			}
		})
	}
}

// TestHomeBaseURL: --url first, else $LOCALCA_URL, never with its slash.
func TestHomeBaseURL(t *testing.T) {
	tests := []struct {
		name, given, env, want string
	}{
		{"neither", "", "", ""},
		{"given", "https://ca.test:8443/", "https://env.test", "https://ca.test:8443"},
		{"environment", "", "https://env.test/", "https://env.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := testHome(t, map[string]string{"LOCALCA_URL": tt.env})
			if got := h.BaseURL(tt.given); got != tt.want {
				t.Errorf("BaseURL(%q) = %q, want %q", tt.given, got, tt.want)
			}
		})
	}
}
