package lockholder

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// maxHolders bounds what Of reports: a shared lock can have many holders,
// and a message names a few.
const maxHolders = 4

// Of lists the processes that hold a lock on path (not those waiting for
// one), each once, at most maxHolders; nil when none is known.
func Of(path string) []Holder {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return nil
	}
	f, err := os.Open("/proc/locks")
	if err != nil {
		return nil
	}
	defer f.Close()
	return parse(f, fileID(uint64(st.Dev), st.Ino), readCmdline)
}

// fileID is how /proc/locks names a file: MAJOR:MINOR:INODE, the device
// numbers in two-digit hex (glibc's encoding of dev_t).
func fileID(dev, ino uint64) string {
	major := (dev>>8)&0xfff | (dev>>32)&^uint64(0xfff)
	minor := dev&0xff | (dev>>12)&^uint64(0xff)
	return fmt.Sprintf("%02x:%02x:%d", major, minor, ino)
}

// parse reads /proc/locks lines such as
//
//	1: FLOCK  ADVISORY  WRITE 19007 fe:00:9986520 0 EOF
//	1: -> FLOCK  ADVISORY  WRITE 19011 fe:00:9986520 0 EOF   (a waiter)
//
// and returns the holders of id's locks.
func parse(r io.Reader, id string, cmdline func(int) string) []Holder {
	var out []Holder
	seen := map[int]bool{}
	sc := bufio.NewScanner(r)
	for sc.Scan() && len(out) < maxHolders {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] == "->" {
			continue
		}
		if fields[5] != id {
			continue
		}
		pid, err := strconv.Atoi(fields[4])
		if err != nil || pid <= 0 || seen[pid] {
			continue
		}
		seen[pid] = true
		out = append(out, Holder{PID: pid, Command: cmdline(pid)})
	}
	return out
}

// readCmdline is /proc/PID/cmdline with its NULs as spaces, "" when it
// cannot be read.
func readCmdline(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return ""
	}
	return string(bytes.TrimSpace(bytes.ReplaceAll(b, []byte{0}, []byte{' '})))
}
