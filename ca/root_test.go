package ca_test

import (
	"path/filepath"
	"testing"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// TestReadRoot: the root of the store, read without a policy or a key; a
// store without a CA says so.
func TestReadRoot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "localca.db")
	open := ca.StoreOpener(path, ca.OpenOptions{})
	if _, err := ca.ReadRoot(open); !ca.IsNoCA(err) {
		t.Fatalf("ReadRoot of an empty store: %v, want store.ErrNoCA", err)
	}
	st, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ca.Init(st, ca.InitOptions{}, ca.Options{})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	root, err := ca.ReadRoot(open)
	if err != nil {
		t.Fatal(err)
	}
	if !root.Equal(c.Root()) {
		t.Errorf("ReadRoot = %s, want %s", root.Subject, c.Root().Subject)
	}
}
