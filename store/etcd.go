package store

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// EtcdOptions tune OpenEtcd.
type EtcdOptions struct {
	// Endpoints are host:port pairs of the cluster's members.
	Endpoints []string
	// Prefix puts the whole keyspace under one etcd key prefix (default
	// "localca"), so that one cluster can hold several CAs, or other data.
	Prefix string
	// TLS, when set, is used to reach etcd; with a client certificate it is
	// the mutual TLS that etcd's --client-cert-auth asks for. Without TLS
	// client authentication every endpoint must be on loopback: anyone who
	// can reach etcd can rewrite the CA's records.
	TLS *tls.Config
	// RequestTimeout bounds every call to etcd (default 5 s), so that a
	// cluster without quorum gives an error instead of a hang.
	RequestTimeout time.Duration
	// DialTimeout bounds the first connection (default 3 s).
	DialTimeout time.Duration
}

// EtcdBackend is the Backend of an etcd cluster: the engine for a CA that
// several machines share, every node issuing. Serializable transactions are
// etcd Txns whose compares are the keys the transaction read (their
// mod revisions, zero for a key that was absent): a transaction that read
// stale data fails its compare and runs again on fresh data, so "serial
// new" holds across nodes exactly as it does inside one bbolt file.
type EtcdBackend struct {
	cli     *clientv3.Client
	prefix  string
	eps     []string
	scheme  string
	timeout time.Duration
	// noPrefetch makes Batch read each key on its own, as before
	// prefetch: the baseline of BenchmarkEtcdBatchPrefetch.
	noPrefetch bool
}

// maxTxnOps is etcd's default --max-txn-ops: the most puts and deletes, and
// separately the most compares, that one Txn may carry.
const maxTxnOps = 128

// ParseEtcdURL splits etcd://h:p[,h:p...][/prefix] into endpoints and prefix.
func ParseEtcdURL(raw string) (endpoints []string, prefix string, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "etcd" {
		return nil, "", fmt.Errorf("%w: %q is not etcd://host:port[,host:port...][/prefix]", ErrBadStoreURL, raw)
	}
	for _, h := range strings.Split(u.Host, ",") {
		if _, _, err := net.SplitHostPort(h); err != nil || h == "" {
			return nil, "", fmt.Errorf("%w: %q: endpoint %q is not host:port", ErrBadStoreURL, raw, h)
		}
		endpoints = append(endpoints, h)
	}
	prefix = strings.Trim(u.Path, "/")
	if strings.ContainsAny(prefix, "\x00") {
		return nil, "", fmt.Errorf("%w: %q: bad prefix", ErrBadStoreURL, raw)
	}
	return endpoints, prefix, nil
}

// IsEtcdURL tells whether a --store value names etcd rather than a file.
func IsEtcdURL(s string) bool { return strings.HasPrefix(s, "etcd://") }

// OpenEtcd connects to an etcd cluster as a Backend. It refuses endpoints
// beyond loopback unless TLS with a client certificate is configured.
func OpenEtcd(opts EtcdOptions) (*EtcdBackend, error) {
	if len(opts.Endpoints) == 0 {
		return nil, fmt.Errorf("%w: no etcd endpoints", ErrBadStoreURL)
	}
	if opts.Prefix == "" {
		opts.Prefix = "localca"
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 5 * time.Second
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = 3 * time.Second
	}
	clientAuth := opts.TLS != nil && (len(opts.TLS.Certificates) > 0 || opts.TLS.GetClientCertificate != nil)
	scheme := "http://"
	if opts.TLS != nil {
		scheme = "https://"
	}
	var eps []string
	for _, ep := range opts.Endpoints {
		host, _, err := net.SplitHostPort(ep)
		if err != nil {
			return nil, fmt.Errorf("%w: endpoint %q is not host:port", ErrBadStoreURL, ep)
		}
		if !clientAuth && !isLoopbackHost(host) {
			return nil, fmt.Errorf("%w: %s is not on loopback; give --etcd-cacert, --etcd-cert and --etcd-key (etcd started with --client-cert-auth)", ErrEtcdInsecure, ep)
		}
		eps = append(eps, scheme+ep)
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   eps,
		DialTimeout: opts.DialTimeout,
		TLS:         opts.TLS,
		Logger:      zap.NewNop(),
		// Keepalives notice a dead member between requests, so the next
		// request goes to one that answers.
		DialKeepAliveTime:    2 * time.Second,
		DialKeepAliveTimeout: 2 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("store: connecting to etcd %s: %w", strings.Join(opts.Endpoints, ","), err)
	}
	b := &EtcdBackend{cli: cli, prefix: opts.Prefix + "/", eps: opts.Endpoints, scheme: scheme, timeout: opts.RequestTimeout}
	if _, err := b.Revision(context.Background()); err != nil {
		cli.Close()
		return nil, err
	}
	return b, nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// key turns a store key into its etcd key.
func (b *EtcdBackend) key(k []byte) string { return b.prefix + string(k) }

// ctx bounds one call to etcd by the request timeout.
func (b *EtcdBackend) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(clientv3.WithRequireLeader(parent), b.timeout)
}

// Revision returns etcd's current store revision.
func (b *EtcdBackend) Revision(ctx context.Context) (int64, error) {
	c, cancel := b.ctx(ctx)
	defer cancel()
	r, err := b.cli.Get(c, b.prefix, clientv3.WithCountOnly())
	if err != nil {
		return 0, b.wrap(ctx, "reading the revision", err)
	}
	return r.Header.Revision, nil
}

// Status reports the members, which one leads, the revision and the size of
// etcd's database.
func (b *EtcdBackend) Status(ctx context.Context) (BackendStatus, error) {
	st := BackendStatus{Engine: "etcd", Where: b.URL()}
	c, cancel := b.ctx(ctx)
	defer cancel()
	ml, err := b.cli.MemberList(c)
	if err != nil {
		return st, b.wrap(ctx, "listing members", err)
	}
	var leader uint64
	for _, m := range ml.Members {
		for _, u := range m.ClientURLs {
			s, err := b.cli.Status(c, u)
			if err != nil {
				continue
			}
			leader = s.Leader
			if s.DbSize > st.Size {
				st.Size, st.InUse = s.DbSize, s.DbSizeInUse
			}
			if s.Header.Revision > st.Revision {
				st.Revision = s.Header.Revision
			}
			break
		}
	}
	for _, m := range ml.Members {
		line := fmt.Sprintf("%s %s", m.Name, strings.Join(m.ClientURLs, ","))
		if m.ID == leader {
			line += " (leader)"
		}
		st.Members = append(st.Members, line)
	}
	return st, nil
}

// Close ends the connections to etcd.
func (b *EtcdBackend) Close() error { return b.cli.Close() }

// wrap turns an etcd failure into the store's error. When the cluster
// cannot commit (no leader, a deadline passed) it says how many members
// answer, so "etcd has no quorum (1 of 3 members answer)" replaces a
// bare "context deadline exceeded".
func (b *EtcdBackend) wrap(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("store: etcd: %s: %w", what, ctx.Err())
	}
	if !noQuorum(err) {
		return fmt.Errorf("store: etcd: %s: %w", what, err)
	}
	// The members are asked at once, so the error comes at most half a
	// second after the request timeout, however many are down.
	var up atomic.Int32
	var wg sync.WaitGroup
	for _, ep := range b.eps {
		wg.Go(func() {
			c, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			if _, err := b.cli.Status(c, b.scheme+ep); err == nil {
				up.Add(1)
			}
		})
	}
	wg.Wait()
	return fmt.Errorf("store: etcd: %s: %w (%d of %d members answer): %v", what, ErrNoQuorum, up.Load(), len(b.eps), err)
}

func noQuorum(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, rpctypes.ErrNoLeader) ||
		errors.Is(err, rpctypes.ErrGRPCNoLeader) || errors.Is(err, rpctypes.ErrTimeout) ||
		errors.Is(err, rpctypes.ErrGRPCTimeout) {
		return true
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return true
	case codes.Unknown:
		// A member that lost its leader times out the read index itself
		// and says so only in the message.
		return strings.Contains(status.Convert(err).Message(), "context deadline exceeded")
	}
	return false
}

// URL is the --store value that names this store:
// etcd://host:port[,host:port...]/prefix.
func (b *EtcdBackend) URL() string {
	return "etcd://" + strings.Join(b.eps, ",") + "/" + strings.TrimSuffix(b.prefix, "/")
}
