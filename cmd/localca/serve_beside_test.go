package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// TestServeBesideCLI: `localca serve` holds the store only while a request
// runs, so CLI commands in other processes (issue, revoke, list, crl) work
// beside it, and the server answers from what they changed: OCSP knows a
// certificate issued after it started, and says revoked, and its CRL lists
// it, once another process revoked it. (TestServeInterop drives the same
// server with openssl and curl.)
func TestServeBesideCLI(t *testing.T) {
	h := newHome(t)
	h.initCA()
	srv, url := h.serve("serve", "--addr", "127.0.0.1:0")
	root, inter := certs(t, h.read("root.pem"))[0], certs(t, h.read("intermediate.pem"))[0]
	pool := x509.NewCertPool()
	pool.AddCert(root)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(path string, body []byte) []byte {
		t.Helper()
		var resp *http.Response
		var err error
		if body == nil {
			resp, err = client.Get(url + path)
		} else {
			resp, err = client.Post(url+path, "application/ocsp-request", bytes.NewReader(body))
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %s %v", path, resp.Status, err)
		}
		return data
	}
	status := func(leaf *x509.Certificate) *ocsp.Response {
		t.Helper()
		req, err := ocsp.CreateRequest(leaf, inter, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := ocsp.ParseResponseForCert(get("/ocsp", req), leaf, inter)
		if err != nil {
			t.Fatalf("OCSP response: %v", err)
		}
		return resp
	}

	// Issue from another process while the server runs.
	dir := t.TempDir()
	if r := h.subprocess("", "issue", "--out-dir", dir, "beside.test"); r.code != 0 {
		t.Fatalf("localca issue beside serve: %s", r)
	}
	data, err := os.ReadFile(filepath.Join(dir, "beside.test.pem"))
	if err != nil {
		t.Fatal(err)
	}
	leaf := certs(t, data)[0]
	if s := status(leaf); s.Status != ocsp.Good {
		t.Errorf("OCSP for a certificate issued beside the server: status %d, want good", s.Status)
	}

	// Revoke from another process; list from a third.
	if r := h.subprocess("", "revoke", serialOf(leaf), "--reason", "superseded"); r.code != 0 {
		t.Fatalf("localca revoke beside serve: %s", r)
	}
	if s := status(leaf); s.Status != ocsp.Revoked || s.RevocationReason != ocsp.Superseded {
		t.Errorf("OCSP after a revocation beside the server: status %d reason %d, want revoked, superseded", s.Status, s.RevocationReason)
	}
	rl, err := x509.ParseRevocationList(get("/crl", nil))
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, e := range rl.RevokedCertificateEntries {
		listed = listed || e.SerialNumber.Cmp(leaf.SerialNumber) == 0
	}
	if !listed {
		t.Errorf("the served CRL does not list the certificate revoked beside the server")
	}
	r := h.subprocess("", "list", "--json", "--name", "beside.test")
	var list []certInfo
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &list) != nil || len(list) != 1 || !sameSerial(list[0].Serial, serialOf(leaf)) || !strings.Contains(list[0].Status, "revoked") {
		t.Errorf("localca list beside serve: %s", r)
	}
	if r := h.subprocess("", "crl", "--out", filepath.Join(dir, "cli.crl")); r.code != 0 {
		t.Errorf("localca crl beside serve: %s", r)
	}
	srv.stop(t)
}
