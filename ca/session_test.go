package ca_test

import (
	"crypto"
	"crypto/x509"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// encryptedStore makes an encrypted CA in a new store file, closes it, and
// returns the file and an Opener for it.
func encryptedStore(t *testing.T, password []byte) (string, ca.Opener) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "localca.db")
	st, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ca.Init(st, ca.InitOptions{Password: password}, ca.Options{}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	return path, func() (*store.Store, error) { return store.Open(path, &store.Options{Timeout: 2 * time.Second}) }
}

// mustOpenNow opens the store without waiting: it fails while anyone holds
// it.
func mustOpenNow(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(path, &store.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("the store is held while it should be free: %v", err)
	}
	return st
}

// TestConnectHoldsNoStoreWhileSigning: a CA from Connect holds the store
// neither while the password is asked (and the key decrypted) nor between
// its sessions, so another process could open it meanwhile; the certificate
// is committed all the same.
func TestConnectHoldsNoStoreWhileSigning(t *testing.T) {
	pw := []byte("correct horse")
	path, open := encryptedStore(t, pw)
	asked := 0
	c, err := ca.Connect(open, ca.Options{Password: func() ([]byte, error) {
		asked++
		mustOpenNow(t, path).Close()
		return pw, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	mustOpenNow(t, path).Close()
	iss, err := c.Issue(ca.IssueRequest{Names: []string{"between.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if asked != 1 {
		t.Fatalf("password asked %d times", asked)
	}
	st := mustOpenNow(t, path)
	defer st.Close()
	if _, err := st.Cert(iss.Cert.SerialNumber.Bytes()); err != nil {
		t.Fatalf("the issued certificate is not in the store: %v", err)
	}
}

// TestConnectChecksInTheCommit: what another process changed between
// Connect and the commit (the intermediate revoked, the key compromised) is
// refused at the commit, and nothing is stored.
func TestConnectChecksInTheCommit(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, other *ca.CA, key crypto.Signer)
		want   error
	}{
		{"intermediate revoked", func(t *testing.T, other *ca.CA, _ crypto.Signer) {
			if _, _, err := other.RevokeIntermediate(other.Intermediate().SerialNumber.Bytes(), 0); err != nil {
				t.Fatal(err)
			}
		}, ca.ErrIntermediateRevoked},
		{"CSR key compromised", func(t *testing.T, other *ca.CA, key crypto.Signer) {
			if _, err := other.RevokeKey(key.Public()); err != nil {
				t.Fatal(err)
			}
		}, store.ErrKeyRevoked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, open := encryptedStore(t, []byte("pw"))
			key := newKey(t, "ecdsa-p256")
			csr := csrPEM(t, key, &x509.CertificateRequest{DNSNames: []string{"late.test"}})
			c, err := ca.Connect(open, ca.Options{Password: func() ([]byte, error) {
				// Another process acts while this one decrypts its key.
				st := mustOpenNow(t, path)
				defer st.Close()
				other, err := ca.Load(st, ca.Options{})
				if err != nil {
					t.Fatal(err)
				}
				tt.change(t, other, key)
				return []byte("pw"), nil
			}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Sign(csr, ca.SignOptions{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Sign after %s: %v, want %v", tt.name, err, tt.want)
			}
			st := mustOpenNow(t, path)
			defer st.Close()
			if n, _ := st.CountCerts(); n != 0 {
				t.Fatalf("%d certificates stored after the refusal", n)
			}
		})
	}
}

// TestConnectOrInitOnce: processes that start on an empty store at once
// make one CA between them; the others load it.
func TestConnectOrInitOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "localca.db")
	open := func() (*store.Store, error) {
		return ca.OpenStore(path, ca.OpenOptions{Wait: 10 * time.Second})
	}
	const n = 8
	roots := make([]string, n)
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c, made, err := ca.ConnectOrInit(open, ca.Options{})
			if err == nil {
				roots[i], created[i] = string(c.Root().Raw), made
			}
			errs[i] = err
		})
	}
	wg.Wait()
	made := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("ConnectOrInit %d: %v", i, errs[i])
		}
		if roots[i] != roots[0] {
			t.Errorf("ConnectOrInit %d loaded another root", i)
		}
		if created[i] {
			made++
		}
	}
	if made != 1 {
		t.Fatalf("%d of %d calls made a CA, want 1", made, n)
	}
}

// TestOpenStoreWaits: OpenStore waits for a holder of the lock, says after
// a second that it waits and for whom (this process: flock locks belong to
// the open file, so a second open conflicts), and opens once it is free.
func TestOpenStoreWaits(t *testing.T) {
	path, _ := encryptedStore(t, nil)
	held := mustOpenNow(t, path)
	var mu sync.Mutex
	var said []string
	start := time.Now()
	go func() {
		time.Sleep(1500 * time.Millisecond)
		held.Close()
	}()
	st, err := ca.OpenStore(path, ca.OpenOptions{Wait: 20 * time.Second, OnWait: func(p, holder string) {
		mu.Lock()
		defer mu.Unlock()
		said = append(said, p+" "+holder)
	}})
	if err != nil {
		t.Fatalf("OpenStore while held for 1.5 s: %v", err)
	}
	st.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(said) != 1 || !strings.Contains(said[0], path) {
		t.Fatalf("OnWait said %q, want one notice naming %s", said, path)
	}
	if _, err := os.Stat("/proc/locks"); err == nil && !strings.Contains(said[0], "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("OnWait said %q, want the holder's pid %d", said[0], os.Getpid())
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("opened after %s, before the holder closed", d)
	}

	// A holder that never lets go: ErrInUse after the wait, naming it.
	held = mustOpenNow(t, path)
	defer held.Close()
	_, err = ca.OpenStore(path, ca.OpenOptions{Wait: 1200 * time.Millisecond})
	if !errors.Is(err, store.ErrInUse) || !strings.Contains(err.Error(), "held by") {
		t.Fatalf("OpenStore while held throughout: %v, want store.ErrInUse naming the holder", err)
	}
}
