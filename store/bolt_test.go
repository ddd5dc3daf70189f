package store_test

import (
	"path/filepath"
	"testing"

	"github.com/localca/localca/store"
	"github.com/localca/localca/store/backendtest"
)

func TestBoltBackend(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) func() store.Backend {
		path := filepath.Join(t.TempDir(), "kv.db")
		return func() store.Backend {
			b, err := store.OpenBolt(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	})
}
