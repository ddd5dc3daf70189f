package ca

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/localca/localca/store"
)

// StoreLocation says where a CA's store is: Where is a bbolt file's path or
// etcd://host:port[,host:port...][/prefix] (a CA shared by several
// machines); the Etcd files are the mutual TLS to etcd (started with
// --client-cert-auth), which any endpoint beyond loopback requires.
type StoreLocation struct {
	Where                         string
	EtcdCACert, EtcdCert, EtcdKey string
	// RequestTimeout bounds every etcd call; 0 means store's default (5 s).
	RequestTimeout time.Duration
}

// IsEtcd tells whether the store is kept in etcd.
func (l StoreLocation) IsEtcd() bool { return store.IsEtcdURL(l.Where) }

// etcdOptions are the client options of an etcd location: TLS from the
// files, when given.
func (l StoreLocation) etcdOptions() (*store.EtcdOptions, error) {
	o := &store.EtcdOptions{RequestTimeout: l.RequestTimeout}
	if l.EtcdCACert == "" && l.EtcdCert == "" && l.EtcdKey == "" {
		return o, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if l.EtcdCACert != "" {
		pem, err := os.ReadFile(l.EtcdCACert)
		if err != nil {
			return nil, fmt.Errorf("ca: --etcd-cacert: %w", err)
		}
		conf.RootCAs = x509.NewCertPool()
		if !conf.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca: --etcd-cacert %q holds no PEM certificate", l.EtcdCACert)
		}
	}
	if (l.EtcdCert == "") != (l.EtcdKey == "") {
		return nil, errors.New("ca: --etcd-cert and --etcd-key go together")
	}
	if l.EtcdCert != "" {
		pair, err := tls.LoadX509KeyPair(l.EtcdCert, l.EtcdKey)
		if err != nil {
			return nil, fmt.Errorf("ca: --etcd-cert/--etcd-key: %w", err)
		}
		conf.Certificates = []tls.Certificate{pair}
	}
	o.TLS = conf
	return o, nil
}

// OpenStoreAt opens the store at l: a bbolt file as OpenStore does, or
// the CA's keyspace in etcd (no lock to wait for there: every node opens it
// at once).
func OpenStoreAt(l StoreLocation, o OpenOptions) (*store.Store, error) {
	if !l.IsEtcd() {
		return OpenStore(l.Where, o)
	}
	eo, err := l.etcdOptions()
	if err != nil {
		return nil, err
	}
	so := o.Store
	so.ReadOnly = o.ReadOnly
	return store.OpenURL(l.Where, &so, eo)
}

// openBackend opens l's engine alone, for a copy.
func openBackend(l StoreLocation) (store.Backend, error) {
	if !l.IsEtcd() {
		return store.OpenBolt(l.Where, nil)
	}
	eo, err := l.etcdOptions()
	if err != nil {
		return nil, err
	}
	eps, prefix, err := store.ParseEtcdURL(l.Where)
	if err != nil {
		return nil, err
	}
	eo.Endpoints, eo.Prefix = eps, prefix
	return store.OpenEtcd(*eo)
}

// StoreStatusAt is StoreStatus for any location; for etcd it names the
// members, the leader and the revision.
func StoreStatusAt(l StoreLocation, timeout time.Duration) (*store.Status, error) {
	if !l.IsEtcd() {
		return StoreStatus(l.Where, timeout)
	}
	st, err := OpenStoreAt(l, OpenOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer st.Close()
	return st.Status()
}

// CopyStore copies every record of the store at from into the empty store
// at to, verifies the copy by count and digest, and marks from as moved to
// to (read-only from then on, every write naming the new store): `localca
// store copy`. A CA whose keys are not encrypted is not copied into etcd.
func CopyStore(ctx context.Context, from, to StoreLocation, progress func(done int)) (store.CopyReport, error) {
	src, err := openBackend(from)
	if err != nil {
		return store.CopyReport{}, fmt.Errorf("ca: copy: opening %s: %w", from.Where, err)
	}
	defer src.Close()
	if to.IsEtcd() {
		if err := checkEncrypted(src); err != nil {
			return store.CopyReport{}, err
		}
	}
	dst, err := openBackend(to)
	if err != nil {
		return store.CopyReport{}, fmt.Errorf("ca: copy: opening %s: %w", to.Where, err)
	}
	defer dst.Close()
	return store.CopyBackend(ctx, src, dst, to.Where, progress)
}

// checkEncrypted refuses a store whose CA keys are kept in clear.
func checkEncrypted(b store.Backend) error {
	st, err := store.New(b, &store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	all, err := st.Authorities()
	if err != nil {
		return err
	}
	for _, a := range all {
		if len(a.KeyPEM) > 0 && !a.Encrypted {
			return fmt.Errorf("%w (%s key %.16s…): etcd would hold it in clear: make the CA you share with a password (localca init --password-file F into a new --home), then copy that one", ErrUnencryptedIntoEtcd, a.Role, a.ID)
		}
	}
	n, err := ClearSecrets(st)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: the store keeps %d secrets in clear (leaf keys kept by issue, DNS keys, ACME EAB keys): etcd would hold them so; seal them first with `localca store seal --password-file F` (the CA password), then copy", ErrClearSecrets, n)
	}
	return nil
}
