package store

import (
	"fmt"
	"strings"
)

// OpenURL opens the store that a --store value names: an
// etcd://host:port[,host:port...][/prefix] URL is a CA shared by several
// machines, kept in etcd (etcd gives the TLS and the request timeout; its
// endpoints and prefix come from the URL); anything else is the path of a
// bbolt file, opened by Open. etcd may be nil for a bbolt path or an etcd
// on loopback without TLS.
func OpenURL(where string, opts *Options, etcd *EtcdOptions) (*Store, error) {
	if !IsEtcdURL(where) {
		if strings.Contains(where, "://") {
			return nil, fmt.Errorf("%w: %q: a store is a file path or etcd://host:port[,host:port...][/prefix]", ErrBadStoreURL, where)
		}
		return Open(where, opts)
	}
	eps, prefix, err := ParseEtcdURL(where)
	if err != nil {
		return nil, err
	}
	var eo EtcdOptions
	if etcd != nil {
		eo = *etcd
	}
	eo.Endpoints, eo.Prefix = eps, prefix
	b, err := OpenEtcd(eo)
	if err != nil {
		return nil, err
	}
	s, err := New(b, opts)
	if err != nil {
		b.Close()
		return nil, err
	}
	return s, nil
}
