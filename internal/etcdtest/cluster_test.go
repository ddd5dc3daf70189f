package etcdtest

import (
	"context"
	"testing"
	"time"
)

func TestClusterSurvivesLeaderKill(t *testing.T) {
	c := Start(t, 3)
	cli := c.Client()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if _, err := cli.Put(ctx, "k", "v1"); err != nil {
		t.Fatal(err)
	}
	l, err := c.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c.Kill(l)
	if err := c.WaitHealthy(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	r, err := cli.Get(ctx, "k")
	if err != nil || len(r.Kvs) != 1 || string(r.Kvs[0].Value) != "v1" {
		t.Fatalf("after the leader died: %v %v", r, err)
	}
	c.Restart(l)
	if err := c.WaitHealthy(30 * time.Second); err != nil {
		t.Fatal(err)
	}
}
