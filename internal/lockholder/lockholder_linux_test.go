package lockholder

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

func TestParse(t *testing.T) {
	const locks = `1: FLOCK  ADVISORY  WRITE 19007 fe:00:9986520 0 EOF
1: -> FLOCK  ADVISORY  WRITE 19011 fe:00:9986520 0 EOF
2: POSIX  ADVISORY  READ 812 fe:00:1234 0 EOF
3: FLOCK  ADVISORY  READ 700 fe:00:9986520 0 EOF
3: FLOCK  ADVISORY  READ 700 fe:00:9986520 0 EOF
garbage
`
	cmd := func(pid int) string {
		if pid == 700 {
			return "localca list\n--json"
		}
		return ""
	}
	got := parse(strings.NewReader(locks), "fe:00:9986520", cmd)
	want := []Holder{{PID: 19007}, {PID: 700, Command: "localca list\n--json"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parse = %+v, want %+v", got, want)
	}
	if s := got[1].String(); s != `pid 700 "localca list\n--json"` {
		t.Errorf("String() = %s: the command line must reach the terminal quoted", s)
	}
}

// TestOfFlock takes a real flock on a file and finds this process holding it.
func TestOfFlock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "store.db")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if Describe(p) != "another process" {
		t.Errorf("an unlocked file has holders: %s", Describe(p))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Skipf("flock: %v", err)
	}
	hs := Of(p)
	if len(hs) != 1 || hs[0].PID != os.Getpid() || hs[0].Command == "" {
		t.Fatalf("Of(locked file) = %+v, want this process (pid %d) with its command line", hs, os.Getpid())
	}
}
