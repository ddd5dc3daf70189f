package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

func TestSettings(t *testing.T) {
	s := openTest(t, nil)
	if _, err := s.Setting("tsig"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Setting(absent) err = %v, want ErrNotFound", err)
	}
	boom := errors.New("no randomness")
	if _, err := s.SettingOrInit("tsig", func() (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Fatalf("SettingOrInit with a failing newValue: err = %v, want it passed on", err)
	}
	if _, err := s.Setting("tsig"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a failed SettingOrInit stored something (err %v)", err)
	}
	v, err := s.SettingOrInit("tsig", func() (string, error) { return "first", nil })
	if err != nil || v != "first" {
		t.Fatalf("SettingOrInit = %q, %v; want the new value", v, err)
	}
	v, err = s.SettingOrInit("tsig", func() (string, error) {
		t.Error("newValue called for a setting that exists")
		return "second", nil
	})
	if err != nil || v != "first" {
		t.Errorf("second SettingOrInit = %q, %v; want the stored value", v, err)
	}
	if v, err := s.Setting("tsig"); err != nil || v != "first" {
		t.Errorf("Setting = %q, %v; want %q", v, err, "first")
	}
}

func TestSettingOrInitConcurrent(t *testing.T) {
	s := openTest(t, &Options{NoSync: true})
	const callers = 8
	var made atomic.Int32
	got := make([]string, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			v, err := s.SettingOrInit("key", func() (string, error) {
				return fmt.Sprint("value-", made.Add(1)), nil
			})
			if err != nil {
				t.Errorf("SettingOrInit: %v", err)
			}
			got[i] = v
		})
	}
	wg.Wait()
	// On etcd the callers read "none" at once and each makes a value; one
	// commit wins and the others run again and read it (below).
	if made.Load() != 1 && etcdUnderTest == nil {
		t.Errorf("newValue ran %d times, want once", made.Load())
	}
	for _, v := range got {
		if v != got[0] {
			t.Errorf("callers got different values: %q", got)
			break
		}
	}
}
