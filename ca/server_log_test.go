package ca_test

import (
	"bytes"
	"log"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"

	"github.com/localca/localca/internal/testkit"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A URL with %0a and %1b in its path forged a "signed ... for
// www.google.com" line in serve's log, with no token. curl sends the path
// as it is given.
func TestServerLogEscapesRequestPath(t *testing.T) {
	curl := testkit.NeedTool(t, "curl")
	r := newRevCA(t)
	if err := r.st.Close(); err != nil {
		t.Fatal(err)
	}
	var buf lockedBuffer
	srv, err := ca.NewServer(ca.ServerConfig{
		CA:   r.CA,
		Open: func() (*store.Store, error) { return store.Open(r.path, &store.Options{Timeout: 2 * time.Second}) },
		Log:  log.New(&buf, "localca serve: ", log.LstdFlags),
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	forged := "/x%0a2026/12/01%2002:00:00%20localca%20serve:%20signed%20server%20for%20%22www.google.com%22%1b[1A"
	testkit.MustRun(t, curl, "-sS", "-o", "/dev/null", "--path-as-is", "--globoff", hs.URL+forged)
	got := buf.String()
	if strings.ContainsRune(got, 0x1b) {
		t.Errorf("ESC reached the log: %q", got)
	}
	for _, line := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
		if !strings.Contains(line, "404") {
			t.Errorf("a line the request did not make: %q", line)
		}
	}
	if !strings.Contains(got, `\n2026`) {
		t.Errorf("the path is not shown escaped: %q", got)
	}
}
