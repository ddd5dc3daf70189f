package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/localca/localca/internal/testkit"
)

// chromiumVisit loads each URL in turn in ONE headless Chromium (a fresh
// --user-data-dir; HOME as the test set it, so the NSS database is
// $HOME/.pki/nssdb), driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: requests on fd 3, answers on fd 4, each a JSON
// message ended by a NUL byte), and returns what Page.navigate said of each:
// "" when the page loaded, else its net error ("net::ERR_CERT_DATE_INVALID",
// the code its interstitial shows). extra are more command-line flags.
// Chromium and everything it started are killed when the visits end.
func chromiumVisit(t *testing.T, chromium string, urls []string, extra ...string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(len(urls)+2)*chromiumTimeout/3)
	defer cancel()
	toChrome, ourEnd, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	fromChrome, theirEnd, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--user-data-dir=" + t.TempDir(), "--remote-debugging-pipe",
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync"}
	args = append(append(args, extra...), "about:blank")
	cmd := exec.CommandContext(ctx, chromium, args...)
	cmd.Env = append(os.Environ(), "LANG=C")
	cmd.ExtraFiles = []*os.File{toChrome, theirEnd} // fd 3, fd 4
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	logw := testkit.NewBuffer()
	cmd.Stderr = logw
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	toChrome.Close()
	theirEnd.Close()
	defer func() {
		ourEnd.Close()
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		fromChrome.Close()
	}()
	c := &cdpConn{w: ourEnd, r: bufio.NewReader(fromChrome)}
	fail := func(what string, err error) {
		t.Helper()
		t.Fatalf("chromium: %s: %v\nlog:\n%s", what, err, logw.String())
	}
	var target struct{ TargetID string }
	if err := c.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		fail("Target.createTarget", err)
	}
	var session struct{ SessionID string }
	if err := c.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &session); err != nil {
		fail("Target.attachToTarget", err)
	}
	out := make(map[string]string, len(urls))
	for _, u := range urls {
		var nav struct{ ErrorText string }
		if err := c.call(session.SessionID, "Page.navigate", map[string]any{"url": u}, &nav); err != nil {
			fail("Page.navigate "+u, err)
		}
		out[u] = nav.ErrorText
	}
	return out
}

// cdpConn is a DevTools protocol connection over Chromium's pipe. Calls
// are made one at a time; events in between are skipped.
type cdpConn struct {
	w  io.Writer
	r  *bufio.Reader
	id int
}

func (c *cdpConn) call(session, method string, params, result any) error {
	c.id++
	msg := map[string]any{"id": c.id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := c.w.Write(append(b, 0)); err != nil {
		return err
	}
	for {
		line, err := c.r.ReadBytes(0)
		if err != nil {
			return fmt.Errorf("reading the answer: %w", err)
		}
		var resp struct {
			ID     int
			Result json.RawMessage
			Error  *struct{ Message string }
		}
		if err := json.Unmarshal(line[:len(line)-1], &resp); err != nil {
			return fmt.Errorf("answer %q: %w", line, err)
		}
		if resp.ID != c.id {
			continue // an event
		}
		if resp.Error != nil {
			return fmt.Errorf("%s", resp.Error.Message)
		}
		return json.Unmarshal(resp.Result, result)
	}
}
