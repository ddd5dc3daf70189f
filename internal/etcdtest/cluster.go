// Package etcdtest starts real etcd servers (Debian's etcd-server binary) on
// loopback for tests: one member or a cluster of several, each on ports the
// OS chose, each stopped when its test ends. Tests of the etcd engine and of
// its faults (a leader killed, quorum lost and regained) use it, so they run
// against the server people operate rather than an embedded copy.
package etcdtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Member is one etcd server of a Cluster.
type Member struct {
	Name      string
	ClientURL string
	PeerURL   string
	DataDir   string

	mu   sync.Mutex
	cmd  *exec.Cmd
	args []string
	log  *os.File
	done chan struct{}
}

// Cluster is a set of etcd members started together on loopback.
type Cluster struct {
	Members []*Member
	tb      testing.TB
}

// Binary returns the path of the etcd server, or skips the test with a
// message when it is missing, failing instead under CI=true, where
// .ci/run installs it.
func Binary(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("etcd")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("etcd not installed (Debian package etcd-server); .ci/run installs it")
		}
		tb.Skip("etcd not installed (apt-get install etcd-server); skipping")
	}
	return p
}

// Start runs a cluster of n members and waits until it has a leader. Every
// member is killed, and its data removed, when the test ends.
func Start(tb testing.TB, n int) *Cluster {
	tb.Helper()
	bin := Binary(tb)
	dir := tb.TempDir()
	c := &Cluster{tb: tb}
	var initial []string
	for i := 0; i < n; i++ {
		m := &Member{
			Name:      fmt.Sprintf("e%d", i+1),
			ClientURL: "http://" + freeAddr(tb),
			PeerURL:   "http://" + freeAddr(tb),
			DataDir:   filepath.Join(dir, fmt.Sprintf("e%d", i+1)),
		}
		c.Members = append(c.Members, m)
		initial = append(initial, m.Name+"="+m.PeerURL)
	}
	token := fmt.Sprintf("localca-test-%d", time.Now().UnixNano())
	for _, m := range c.Members {
		m.args = []string{bin,
			"--name", m.Name,
			"--data-dir", m.DataDir,
			"--listen-client-urls", m.ClientURL,
			"--advertise-client-urls", m.ClientURL,
			"--listen-peer-urls", m.PeerURL,
			"--initial-advertise-peer-urls", m.PeerURL,
			"--initial-cluster", strings.Join(initial, ","),
			"--initial-cluster-state", "new",
			"--initial-cluster-token", token,
			// Compaction keeps a put-heavy run fast (see shared/notes/etcd.md);
			// a quota keeps a runaway test from filling the disk.
			"--auto-compaction-mode", "revision",
			"--auto-compaction-retention", "1000",
			"--quota-backend-bytes", fmt.Sprint(512 << 20),
			// etcd's own defaults: a CI machine running other test
			// packages on both cores misses shorter heartbeats and
			// falls into repeated elections.
			"--heartbeat-interval", "100",
			"--election-timeout", "1000",
			"--logger", "zap",
			// Warnings (a slow fdatasync, a missed heartbeat, an
			// election) are what explains a cluster that lost its
			// leader; the cleanup shows them when the test failed.
			"--log-level", "warn",
		}
		m.log, _ = os.Create(filepath.Join(dir, m.Name+".log"))
		if err := m.start(); err != nil {
			tb.Fatalf("etcdtest: starting %s: %v", m.Name, err)
		}
	}
	tb.Cleanup(func() {
		for _, m := range c.Members {
			m.kill()
		}
		if tb.Failed() {
			for _, m := range c.Members {
				m.logTail(tb, 40)
			}
		}
	})
	if err := c.WaitHealthy(30 * time.Second); err != nil {
		tb.Fatalf("etcdtest: %v (logs in %s)", err, dir)
	}
	return c
}

// logTail logs the last n lines of the member's log: a failed test's
// temporary folder, and the log in it, is removed when the test ends.
func (m *Member) logTail(tb testing.TB, n int) {
	if m.log == nil {
		return
	}
	b, err := os.ReadFile(m.log.Name())
	if err != nil {
		tb.Logf("etcdtest: %s: %v", m.Name, err)
		return
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	tb.Logf("etcdtest: the last %d lines of %s's log:\n%s", min(n, len(lines)), m.Name, strings.Join(lines[max(0, len(lines)-n):], "\n"))
}

func (m *Member) start() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cmd := exec.Command(m.args[0], m.args[1:]...)
	cmd.Stdout, cmd.Stderr = m.log, m.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	m.cmd, m.done = cmd, done
	return nil
}

// kill sends SIGKILL and waits for the process to be gone.
func (m *Member) kill() {
	m.mu.Lock()
	cmd, done := m.cmd, m.done
	m.cmd = nil
	m.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// Endpoints returns the client URLs of every member.
func (c *Cluster) Endpoints() []string {
	var eps []string
	for _, m := range c.Members {
		eps = append(eps, m.ClientURL)
	}
	return eps
}

// Hosts returns the host:port of every member, as store.EtcdOptions takes
// them.
func (c *Cluster) Hosts() []string {
	var hosts []string
	for _, m := range c.Members {
		hosts = append(hosts, strings.TrimPrefix(m.ClientURL, "http://"))
	}
	return hosts
}

// URL returns the cluster as a localca store URL (etcd://h:p,h:p/prefix).
func (c *Cluster) URL(prefix string) string {
	return "etcd://" + strings.Join(c.Hosts(), ",") + "/" + strings.TrimPrefix(prefix, "/")
}

// Client returns etcd's own client of the cluster, closed when the test
// ends: for reading and writing behind localca's back.
func (c *Cluster) Client() *clientv3.Client {
	c.tb.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: c.Endpoints(), DialTimeout: 2 * time.Second})
	if err != nil {
		c.tb.Fatal(err)
	}
	c.tb.Cleanup(func() { cli.Close() })
	return cli
}

// Kill stops member i at once (SIGKILL), as a crash would.
func (c *Cluster) Kill(i int) { c.Members[i].kill() }

// Restart starts member i again on the same ports and data.
func (c *Cluster) Restart(i int) {
	c.tb.Helper()
	if err := c.Members[i].start(); err != nil {
		c.tb.Fatalf("etcdtest: restarting %s: %v", c.Members[i].Name, err)
	}
}

// Leader returns the index of the member that leads now. Each running member
// is asked on its own connection with its own deadline, so a killed member
// (whose dial only times out) cannot use up the time the others need; a
// member that was killed is not asked at all.
func (c *Cluster) Leader(ctx context.Context) (int, error) {
	var last error = fmt.Errorf("no member is running")
	for i, m := range c.Members {
		if !m.running() {
			continue
		}
		leads, err := m.leads(ctx)
		if err != nil {
			last = err
			continue
		}
		if leads {
			return i, nil
		}
		last = fmt.Errorf("%s follows", m.Name)
	}
	return -1, fmt.Errorf("etcdtest: no member says it leads (last: %v)", last)
}

func (m *Member) running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cmd != nil
}

// leads asks this member alone whether it is the leader.
func (m *Member) leads(ctx context.Context) (bool, error) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{m.ClientURL}, DialTimeout: 2 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		return false, fmt.Errorf("%s: %w", m.Name, err)
	}
	defer cli.Close()
	sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	st, err := cli.Status(sctx, m.ClientURL)
	if err != nil {
		return false, fmt.Errorf("%s: %w", m.Name, err)
	}
	return st.Leader != 0 && st.Leader == st.Header.MemberId, nil
}

// WaitHealthy waits until a running member reports that it leads.
func (c *Cluster) WaitHealthy(d time.Duration) error {
	deadline := time.Now().Add(d)
	var last error
	for time.Now().Before(deadline) {
		_, last = c.Leader(context.Background())
		if last == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("etcd cluster has no leader after %s: %v", d, last)
}

// freeAddr asks the OS for a free loopback port. The port is released before
// etcd binds it, so another process could take it in between; on a test
// machine that is rare enough, and the failure is loud.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("etcdtest: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}
