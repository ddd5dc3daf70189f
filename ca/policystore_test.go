package ca_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/policies"
)

// policyText is the default policy as a file, with the server profile's
// longest validity changed to max.
func policyText(t *testing.T, max string) []byte {
	t.Helper()
	text, err := policies.Default().Encode()
	if err != nil {
		t.Fatal(err)
	}
	p, err := policies.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	d, err := policies.ParseDuration(max)
	if err != nil {
		t.Fatal(err)
	}
	p.Profiles.Server.Validity.Max = policies.Duration(d)
	if p.Profiles.Server.Validity.Default > p.Profiles.Server.Validity.Max {
		p.Profiles.Server.Validity.Default = p.Profiles.Server.Validity.Max
	}
	out, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustParsePolicy(t *testing.T, text []byte) *policies.Policy {
	t.Helper()
	p, err := policies.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSetPolicyVersions: each new policy is the next version, with an
// event; setting the same policy again (other comments) changes nothing;
// a policy that does not parse leaves the store as it was.
func TestSetPolicyVersions(t *testing.T) {
	st := newStore(t)
	now := fixedNow()
	a, b := policyText(t, "720h"), policyText(t, "240h")
	steps := []struct {
		name    string
		text    []byte
		version int
		wantErr error
	}{
		{"first", a, 1, nil},
		{"another", b, 2, nil},
		{"the same with a comment", append([]byte("# edited by hand\n"), b...), 2, nil},
		{"back to the first", a, 3, nil},
		{"broken", []byte("[profiles.server]\nvalidity.max = \"forever\"\n"), 3, policies.ErrInvalidPolicy},
	}
	for _, s := range steps {
		sp, err := ca.SetPolicy(st, s.text, now)
		if !errors.Is(err, s.wantErr) {
			t.Fatalf("%s: SetPolicy: %v, want %v", s.name, err, s.wantErr)
		}
		if err == nil && sp.Version != s.version {
			t.Errorf("%s: version %d, want %d", s.name, sp.Version, s.version)
		}
		cur, err := ca.LoadStoredPolicy(st)
		if err != nil || cur.Version != s.version {
			t.Fatalf("%s: the store holds version %v (%v), want %d", s.name, cur, err, s.version)
		}
	}
	evs, err := st.Events(0)
	if err != nil {
		t.Fatal(err)
	}
	var sets []string
	for _, e := range evs {
		if e.Kind == "policy.set" {
			sets = append(sets, e.Detail)
		}
	}
	if len(sets) != 3 || !strings.HasPrefix(sets[0], "version 1 sha256 ") || !strings.HasPrefix(sets[2], "version 3 sha256 ") {
		t.Errorf("policy.set events: %q, want versions 1, 2, 3", sets)
	}
}

// TestEffectivePolicy: without a stored policy the local one is in force;
// with one, the store's, and a local file must be the same policy or the
// node is refused, with the lines that differ.
func TestEffectivePolicy(t *testing.T) {
	st := newStore(t)
	local := mustParsePolicy(t, policyText(t, "240h"))
	p, from, err := ca.EffectivePolicy(st, local, "/etc/localca/policy.toml")
	if err != nil || p != local || from != "" {
		t.Fatalf("no stored policy: %v from %q, %v; want the local one", p, from, err)
	}
	stored := policyText(t, "720h")
	if _, err := ca.SetPolicy(st, stored, fixedNow()); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		local     *policies.Policy
		path      string
		wantErr   error
		wantInErr []string
	}{
		{"no local file", policies.Default(), "", nil, nil},
		{"the same policy", mustParsePolicy(t, append([]byte("# mine\n"), stored...)), "/etc/localca/policy.toml", nil, nil},
		{"another policy", local, "/etc/localca/policy.toml", ca.ErrPolicyDiffers,
			[]string{`"/etc/localca/policy.toml"`, "version 1", `store [profiles.server] validity.max = "30d"`, `local [profiles.server] validity.max = "10d"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, from, err := ca.EffectivePolicy(st, tt.local, tt.path)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("EffectivePolicy: %v, want %v", err, tt.wantErr)
			}
			for _, w := range tt.wantInErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the refusal does not say %q:\n%v", w, err)
				}
			}
			if err != nil {
				return
			}
			if diff, _ := ca.PolicyDiff(mustParsePolicy(t, stored), p); diff != nil || !strings.Contains(from, "version 1") {
				t.Errorf("in force: %q from %q, want the store's version 1", diff, from)
			}
		})
	}
}

// TestEtcdPolicyAcrossNodes: a policy set through one node's client is
// the one another node enforces.
func TestEtcdPolicyAcrossNodes(t *testing.T) {
	_, nodes := etcdCA(t)
	if _, err := ca.SetPolicy(nodes[0].st, policyText(t, "240h"), time.Now()); err != nil {
		t.Fatal(err)
	}
	p, _, err := ca.EffectivePolicy(nodes[1].st, policies.Default(), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(p.Profiles.Server.Validity.Max); got != 240*time.Hour {
		t.Errorf("the other node enforces a server validity.max of %s, want 240h", got)
	}
	if _, _, err := ca.EffectivePolicy(nodes[1].st, policies.Default(), "policy.toml"); !errors.Is(err, ca.ErrPolicyDiffers) {
		t.Errorf("a node with another local policy file: %v, want ErrPolicyDiffers", err)
	}
}
