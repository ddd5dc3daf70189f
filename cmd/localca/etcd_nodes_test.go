package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/localca/localca/internal/etcdtest"
	"github.com/localca/localca/internal/testkit"
)

// etcdHome is a CA made in a three-member etcd cluster, with its password
// file and root certificate.
func etcdHome(t *testing.T) (h *home, url, pw, root string) {
	t.Helper()
	cl := etcdtest.Start(t, 3)
	url = cl.URL("ca")
	h = newHome(t)
	pw = h.write("pw", []byte("correct horse battery staple\n"))
	h.ok("--store", url, "init", "--password-file", pw)
	root = h.path("root.pem")
	h.ok("--store", url, "ca", "root", "--out", root)
	return h, url, pw, root
}

// dnsNodes starts two `dns serve` processes on the etcd store at url and
// returns their ports. They poll only every 10 s, so a change that reaches
// the other node sooner came by watch.
func (h *home) dnsNodes(url, pw string) [2]string {
	h.t.Helper()
	var ports [2]string
	for i := range ports {
		_, addr := h.serve("--store", url, "dns", "serve", "--addr", "127.0.0.1:0", "--sync", "10s", "--password-file", pw)
		ports[i] = portOf(h.t, addr)
	}
	return ports
}

// TestEtcdServeNodeKilled: two `localca serve` processes on one etcd
// store, 64 concurrent issuers split over both; one node is SIGKILLed in
// the middle. Every certificate a client got is in the store, no serial
// twice; the requests the dead node had in flight got errors.
func TestEtcdServeNodeKilled(t *testing.T) {
	h, url, pw, _ := etcdHome(t)
	const issuers, each = 64, 2
	toks := make(chan string, issuers*each)
	for i := range issuers * each {
		toks <- strings.TrimSpace(h.ok("--store", url, "token", "create", "--name", fmt.Sprintf("ci-%d", i), "--allow", "*"))
	}
	var nodes [2]*server
	var addrs [2]string
	for i := range nodes {
		nodes[i], addrs[i] = h.serve("--store", url, "serve", "--addr", "127.0.0.1:0", "--password-file", pw)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(h.read("root.pem"))
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	var mu sync.Mutex
	got := map[string]bool{} // serials clients received
	var acked, failed atomic.Int64
	var once sync.Once
	var wg sync.WaitGroup
	for w := range issuers {
		wg.Go(func() {
			for i := range each {
				serial, err := signVia(client, addrs[w%2], <-toks, fmt.Sprintf("w%d-%d.localca.test", w, i))
				if err != nil {
					failed.Add(1)
					continue
				}
				mu.Lock()
				if got[serial] {
					t.Errorf("serial %s received twice", serial)
				}
				got[serial] = true
				mu.Unlock()
				if acked.Add(1) == issuers/2 {
					once.Do(func() { nodes[1].signal(t, syscall.SIGKILL) })
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d certificates received, %d requests failed (node B killed after %d)", acked.Load(), failed.Load(), issuers/2)
	if failed.Load() == 0 {
		t.Error("no request failed: the node was not killed mid-run")
	}
	stored := map[string]bool{}
	for _, c := range h.listJSON("--store", url) {
		stored[strings.ToUpper(c.Serial)] = true
	}
	for s := range got {
		if !stored[strings.ToUpper(s)] {
			t.Errorf("serial %s was returned to a client but is not stored", s)
		}
	}
}

// signVia posts a fresh CSR for name to a serve node's /sign and returns
// the serial of the certificate it answers with.
func signVia(client *http.Client, base, tok, name string) (string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: name}, DNSNames: []string{name}}, key)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequest(http.MethodPost, base+"/sign", bytes.NewReader(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	b, _ := pem.Decode(body)
	if b == nil {
		return "", fmt.Errorf("201 without a certificate")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%X", c.SerialNumber.Bytes()), nil
}

// TestEtcdDNSAcrossNodes: two `dns serve` processes on one etcd store
// (three members); a record added by `dns add` (another process) is
// answered by both, asked with dig, within a second of the add's commit.
// The servers poll only every 10 s: the second is the watch's. A loaded
// machine gets three tries, each a new record, each timed on its own.
func TestEtcdDNSAcrossNodes(t *testing.T) {
	testkit.NeedTool(t, "dig")
	h, url, pw, _ := etcdHome(t)
	ports := h.dnsNodes(url, pw)
	t0 := time.Now()
	dig(t, ports[0], "+short", "none.localca.test", "A")
	t.Logf("one dig alone takes %s here: part of every time below", time.Since(t0))
	const tries = 3
	for try := range tries {
		ip := fmt.Sprintf("127.0.0.%d", 10+try)
		name := fmt.Sprintf("shared%d.localca.test", try)
		h.ok("--store", url, "dns", "add", name+". 60 IN A "+ip)
		added := time.Now() // the add returned: its commit is done
		late := false
		for i, port := range ports {
			for strings.TrimSpace(dig(t, port, "+short", name, "A")) != ip {
				if time.Since(added) > 5*time.Second {
					t.Fatalf("dns serve %d does not answer %s 5 s after it was added", i, name)
				}
				time.Sleep(20 * time.Millisecond)
			}
			took := time.Since(added)
			late = late || took > time.Second
			t.Logf("try %d: dns serve %d answers %s %s after the add", try, i, name, took.Round(time.Millisecond))
		}
		if !late {
			return
		}
	}
	t.Errorf("in %d tries, no record was answered by both nodes within a second of its add", tries)
}
