package ca_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"path/filepath"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/ca/acme"
	"github.com/localca/localca/internal/etcdtest"
	"github.com/localca/localca/store"
)

// etcdRaw is every key and value the etcd cluster holds, read with etcd's
// own client: what a node's operator or a stolen snapshot sees.
func etcdRaw(t *testing.T, cl *etcdtest.Cluster) map[string][]byte {
	t.Helper()
	cli := cl.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, "", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, kv := range resp.Kvs {
		out[string(kv.Key)] = kv.Value
	}
	if len(out) == 0 {
		t.Fatal("etcd holds no keys")
	}
	return out
}

// assertNotInClear fails when any raw key or value holds a PEM private key
// or one of the secrets, raw or in base64.
func assertNotInClear(t *testing.T, raw map[string][]byte, secrets map[string][]byte) {
	t.Helper()
	for k, v := range raw {
		if bytes.Contains(v, []byte("PRIVATE KEY")) {
			t.Errorf("etcd key %q holds a PEM private key in clear", k)
		}
		for what, s := range secrets {
			forms := [][]byte{s, []byte(base64.StdEncoding.EncodeToString(s)), []byte(base64.RawURLEncoding.EncodeToString(s))}
			for _, f := range forms {
				if bytes.Contains(v, f) || bytes.Contains([]byte(k), f) {
					t.Errorf("etcd key %q holds %s in clear", k, what)
				}
			}
		}
	}
}

func etcdOpener(url string) ca.Opener {
	return func() (*store.Store, error) {
		return store.OpenURL(url, nil, &store.EtcdOptions{RequestTimeout: etcdTimeout})
	}
}

func TestEtcdSecretsSealed(t *testing.T) {
	cl := etcdtest.Start(t, 1)
	url := cl.URL("sealed")
	st := openEtcdStore(t, url)
	if _, err := ca.Init(st, ca.InitOptions{Password: etcdPassword}, ca.Options{}); err != nil {
		t.Fatal(err)
	}
	pw := func() ([]byte, error) { return etcdPassword, nil }
	c, err := ca.Load(st, ca.Options{Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	iss, err := c.Issue(ca.IssueRequest{Names: []string{"kept.test"}})
	if err != nil {
		t.Fatal(err)
	}
	zone := ca.DNSZone{Write: etcdOpener(url), Secrets: ca.NewSecrets(pw)}
	dk, err := zone.CreateKey("acme", []string{"_acme-challenge.kept.test"}, []string{"TXT"})
	if err != nil {
		t.Fatal(err)
	}
	tsig, err := zone.Setting("tsig.localca", func() (string, error) { return "dHNpZy1zZWNyZXQtb2YtdGhlLXpvbmU=", nil })
	if err != nil {
		t.Fatal(err)
	}
	eab, err := acme.CreateEAB(acme.StoreStorage{Use: func(fn func(*store.Store) error) error { return fn(st) }, Secrets: ca.NewSecrets(pw)}, "ci", []string{"*.kept.test"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(iss.KeyPEM)
	dkRaw, _ := base64.StdEncoding.DecodeString(dk.Secret)
	assertNotInClear(t, etcdRaw(t, cl), map[string][]byte{
		"the leaf key (DER)":   block.Bytes,
		"the DNS key secret":   dkRaw,
		"the zone TSIG key":    []byte(tsig),
		"the EAB HMAC key":     eab.HMAC,
		"the DNS key (text)":   []byte(dk.Secret),
		"the EAB key (b64url)": []byte(eab.HMACBase64()),
	})

	// Every node with the password reads them back; without it, none.
	other := openEtcdStore(t, url)
	c2, err := ca.Load(other, ca.Options{Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	back, err := c2.Stored(iss.Cert.SerialNumber.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.KeyPEM, iss.KeyPEM) {
		t.Error("the stored key read back differs from the issued one")
	}
	if plain, err := ca.Stored(other, iss.Cert.SerialNumber.Bytes()); err != nil || !plain.KeySealed || plain.KeyPEM != nil {
		t.Errorf("Stored without the password: KeySealed %v, %d key bytes, %v; want the key left out", plain != nil && plain.KeySealed, len(plain.KeyPEM), err)
	}
	keys, err := ca.DNSZone{Write: etcdOpener(url), Secrets: ca.NewSecrets(pw)}.Keys()
	if err != nil || len(keys) != 1 || keys[0].Secret != dk.Secret {
		t.Errorf("DNS keys read back: %+v, %v", keys, err)
	}
	again, err := ca.DNSZone{Write: etcdOpener(url), Secrets: ca.NewSecrets(pw)}.Setting("tsig.localca", func() (string, error) { return "other", nil })
	if err != nil || again != tsig {
		t.Errorf("TSIG setting read back %q, %v; want %q", again, err, tsig)
	}
	var rec struct{ HMAC []byte }
	if err := other.ACMEView(func(tx *store.ACMETx) error { return json.Unmarshal(tx.Get("eab/"+eab.KeyID), &rec) }); err != nil {
		t.Fatal(err)
	}
	got, err := acme.StoreStorage{Use: func(fn func(*store.Store) error) error { return fn(other) }, Secrets: ca.NewSecrets(pw)}.OpenSecret("eab/"+eab.KeyID, rec.HMAC)
	if err != nil || !bytes.Equal(got, eab.HMAC) {
		t.Errorf("EAB key read back: %v", err)
	}
	wrong := ca.NewSecrets(func() ([]byte, error) { return []byte("not the password"), nil })
	if _, err := (ca.DNSZone{Write: etcdOpener(url), Secrets: wrong}).Keys(); !errors.Is(err, ca.ErrWrongPassword) {
		t.Errorf("a wrong password: %v, want ErrWrongPassword", err)
	}
	if _, err := (ca.DNSZone{Write: etcdOpener(url)}).CreateKey("nopw", []string{"x.kept.test"}, nil); !errors.Is(err, ca.ErrPasswordRequired) {
		t.Errorf("a DNS key made without the password: %v, want ErrPasswordRequired", err)
	}
}

// A CA made in a file keeps its secrets in clear; copied into etcd, it
// must be sealed first (store seal), and etcd then holds none in clear.
func TestEtcdCopyRefusesClearSecrets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "localca.db")
	st, err := ca.OpenStore(path, ca.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Init(st, ca.InitOptions{Password: etcdPassword}, ca.Options{}); err != nil {
		t.Fatal(err)
	}
	c, err := ca.Load(st, ca.Options{Password: func() ([]byte, error) { return etcdPassword, nil }})
	if err != nil {
		t.Fatal(err)
	}
	iss, err := c.Issue(ca.IssueRequest{Names: []string{"file.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := ca.ClearSecrets(st); err != nil || n != 1 {
		t.Fatalf("ClearSecrets of a file CA with one kept key: %d, %v", n, err)
	}
	st.Close()

	cl := etcdtest.Start(t, 1)
	to := ca.StoreLocation{Where: cl.URL("copied")}
	from := ca.StoreLocation{Where: path}
	if _, err := ca.CopyStore(context.Background(), from, to, nil); !errors.Is(err, ca.ErrClearSecrets) {
		t.Fatalf("copy of clear secrets into etcd: %v, want ErrClearSecrets", err)
	}
	st, err = ca.OpenStore(path, ca.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.SealStore(st, []byte("not the password")); !errors.Is(err, ca.ErrWrongPassword) {
		t.Errorf("SealStore with a wrong password: %v, want ErrWrongPassword", err)
	}
	if n, err := ca.SealStore(st, etcdPassword); err != nil || n != 1 {
		t.Fatalf("SealStore: %d, %v; want 1 sealed", n, err)
	}
	st.Close()
	if _, err := ca.CopyStore(context.Background(), from, to, nil); err != nil {
		t.Fatalf("copy after sealing: %v", err)
	}
	block, _ := pem.Decode(iss.KeyPEM)
	assertNotInClear(t, etcdRaw(t, cl), map[string][]byte{"the leaf key (DER)": block.Bytes})
	st2 := openEtcdStore(t, to.Where)
	c2, err := ca.Load(st2, ca.Options{Password: func() ([]byte, error) { return etcdPassword, nil }})
	if err != nil {
		t.Fatal(err)
	}
	back, err := c2.Stored(iss.Cert.SerialNumber.Bytes())
	if err != nil || !bytes.Equal(back.KeyPEM, iss.KeyPEM) {
		t.Errorf("the copied key read back: %v", err)
	}
}
