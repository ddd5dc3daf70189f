package store

import (
	"testing"
	"time"
)

func TestClaimTSIG(t *testing.T) {
	s := openTest(t, nil)
	now := time.Unix(1_800_000_000, 0)
	mac := []byte("mac-1")
	if _, seen, err := s.ClaimTSIG(mac, now, 600*time.Second); err != nil || seen {
		t.Fatalf("first claim: seen %v, %v", seen, err)
	}
	if rc, seen, err := s.ClaimTSIG(mac, now, 600*time.Second); err != nil || !seen || rc != -1 {
		t.Fatalf("a claim while pending: %d %v %v", rc, seen, err)
	}
	if err := s.AnsweredTSIG(mac, 5); err != nil {
		t.Fatal(err)
	}
	if rc, seen, _ := s.ClaimTSIG(mac, now.Add(599*time.Second), 600*time.Second); !seen || rc != 5 {
		t.Fatalf("a repeat within the window: %d %v, want the rcode 5 answered first", rc, seen)
	}
	if _, seen, _ := s.ClaimTSIG(mac, now.Add(601*time.Second), 600*time.Second); seen {
		t.Fatal("a MAC past its window is still remembered")
	}
}
