package testkit

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// Buffer is a writer that many goroutines may write to and that a test can
// wait on: a server's log, a tool's output.
type Buffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	notify chan struct{}
}

// NewBuffer returns an empty Buffer.
func NewBuffer() *Buffer { return &Buffer{notify: make(chan struct{}, 1)} }

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	n, err := s.b.Write(p)
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
	return n, err
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// WaitFor waits until the buffer contains want, or fails the test after
// timeout.
func (s *Buffer) WaitFor(t testing.TB, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !strings.Contains(s.String(), want) {
		select {
		case <-s.notify:
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for %q in:\n%s", timeout, want, s.String())
		}
	}
}
