package store_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/localca/localca/internal/etcdtest"
	"github.com/localca/localca/store"
	"github.com/localca/localca/store/backendtest"
)

// TestEtcdBackend runs the engines' shared suite against a real etcd
// (Debian's etcd-server), each case under a prefix of its own.
func TestEtcdBackend(t *testing.T) {
	c := etcdtest.Start(t, 1)
	var n atomic.Int64
	backendtest.Run(t, func(t *testing.T) func() store.Backend {
		prefix := fmt.Sprintf("suite%d", n.Add(1))
		return func() store.Backend {
			b, err := store.OpenEtcd(store.EtcdOptions{Endpoints: c.Hosts(), Prefix: prefix})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	})
}
