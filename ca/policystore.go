package ca

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/localca/localca/policies"
	"github.com/localca/localca/store"
)

// The policy can live in the store (`localca policy set FILE`), so that
// every node of a CA shared through etcd enforces the same rules without a
// hand-synced file. Each set is a new version, recorded in the event log
// with its digest. A node that also has a policy file of its own must hold
// the same policy: else it refuses to start, naming what differs, rather
// than issue under rules the others do not share.

// policySetting is the store setting that holds the policy.
const policySetting = "policy"

// StoredPolicy is the policy a store holds, with its version (1 for the
// first set) and the SHA-256 of its canonical form (policies.Encode), so
// that two files that differ only in comments and order digest alike.
type StoredPolicy struct {
	Version int              `json:"version"`
	SHA256  string           `json:"sha256"`
	SetAt   time.Time        `json:"set_at"`
	Text    string           `json:"text"` // the file as it was set
	Policy  *policies.Policy `json:"-"`
}

// policyDigest is the hex SHA-256 of p's canonical form.
func policyDigest(p *policies.Policy) (string, error) {
	text, err := p.Encode()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(text)
	return hex.EncodeToString(sum[:]), nil
}

// SetPolicy stores text (a policy file) as st's policy, the next version,
// after checking it as policies.Parse does: a policy that does not parse
// is refused and the store is unchanged. Setting the policy in force again
// changes nothing and returns it.
func SetPolicy(st *store.Store, text []byte, now time.Time) (*StoredPolicy, error) {
	p, err := policies.Parse(text)
	if err != nil {
		return nil, err
	}
	digest, err := policyDigest(p)
	if err != nil {
		return nil, err
	}
	var out *StoredPolicy
	errSame := errors.New("same policy")
	err = st.UpdateSetting(policySetting, "policy.set", func(old string, ok bool) (string, string, error) {
		next := &StoredPolicy{Version: 1, SHA256: digest, SetAt: now.UTC(), Text: string(text), Policy: p}
		if ok {
			var cur StoredPolicy
			if err := json.Unmarshal([]byte(old), &cur); err != nil {
				return "", "", fmt.Errorf("%w: the stored policy: %v", store.ErrCorrupt, err)
			}
			if cur.SHA256 == digest {
				cur.Policy = p
				out = &cur
				return "", "", errSame
			}
			next.Version = cur.Version + 1
		}
		raw, err := json.Marshal(next)
		if err != nil {
			return "", "", err
		}
		out = next
		return string(raw), fmt.Sprintf("version %d sha256 %s", next.Version, digest), nil
	})
	if errors.Is(err, errSame) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ca: storing the policy: %w", err)
	}
	return out, nil
}

// LoadStoredPolicy returns st's policy; store.ErrNotFound when none was set.
func LoadStoredPolicy(st *store.Store) (*StoredPolicy, error) {
	raw, err := st.Setting(policySetting)
	if err != nil {
		return nil, err
	}
	var sp StoredPolicy
	if err := json.Unmarshal([]byte(raw), &sp); err != nil {
		return nil, fmt.Errorf("%w: the stored policy: %v", store.ErrCorrupt, err)
	}
	if sp.Policy, err = policies.Parse([]byte(sp.Text)); err != nil {
		return nil, fmt.Errorf("%w: the stored policy version %d: %v", store.ErrCorrupt, sp.Version, err)
	}
	return &sp, nil
}

// EffectivePolicy is the policy a node enforces: the store's when it holds
// one, else local (a policy file's, or the built-in default). A local file
// (localPath not "") must then hold the same policy as the store, or the
// node refuses with ErrPolicyDiffers, naming the file, the store's version
// and the lines that differ. from says where the policy came from.
func EffectivePolicy(st *store.Store, local *policies.Policy, localPath string) (p *policies.Policy, from string, err error) {
	sp, err := LoadStoredPolicy(st)
	if errors.Is(err, store.ErrNotFound) {
		return local, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	from = fmt.Sprintf("the store (version %d, sha256 %.12s)", sp.Version, sp.SHA256)
	if localPath == "" {
		return sp.Policy, from, nil
	}
	diff, err := PolicyDiff(sp.Policy, local)
	if err != nil {
		return nil, "", err
	}
	if len(diff) > 0 {
		return nil, "", fmt.Errorf("%w: %q is not the policy in %s:\n%s\n(make them equal: `localca policy show` prints the store's; or `localca policy set %s` makes the file the store's)",
			ErrPolicyDiffers, localPath, from, strings.Join(diff, "\n"), localPath)
	}
	return sp.Policy, from, nil
}

// PolicyDiff lists, as "store: LINE" and "local: LINE", the lines of the
// canonical forms of two policies that the other lacks: nil when they are
// the same policy.
func PolicyDiff(stored, local *policies.Policy) ([]string, error) {
	a, err := stored.Encode()
	if err != nil {
		return nil, err
	}
	b, err := local.Encode()
	if err != nil {
		return nil, err
	}
	if bytes.Equal(a, b) {
		return nil, nil
	}
	out := append(linesOnlyIn("store", a, b), linesOnlyIn("local", b, a)...)
	if len(out) == 0 { // the same lines in another order
		out = append(out, "  the same settings in another order")
	}
	return out, nil
}

// linesOnlyIn lists the lines of text that other lacks (as a multiset: a
// line twice in text and once in other is listed once), each under the
// TOML section it stands in and headed by label.
func linesOnlyIn(label string, text, other []byte) []string {
	left := map[string]int{}
	for _, l := range strings.Split(string(other), "\n") {
		left[l]++
	}
	var out []string
	section := ""
	for _, l := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(l, "[") {
			section = l
		}
		if left[l] > 0 {
			left[l]--
			continue
		}
		out = append(out, fmt.Sprintf("  %s %s %s", label, section, strings.TrimSpace(l)))
	}
	return out
}

// EnforcedPolicy is the policy the home's CA enforces, and where it comes
// from: the store's when it holds one (its policy file, if any, must then
// be the same: ErrPolicyDiffers), else the home's (Home.Policy).
func (h Home) EnforcedPolicy() (*policies.Policy, string, error) {
	pol, from, err := h.Policy()
	if err != nil {
		return nil, "", err
	}
	st, err := h.OpenStore(true)
	if errors.Is(err, ErrNoStoreYet) {
		return pol, from, nil
	}
	if err != nil {
		return nil, "", err
	}
	defer st.Close()
	file := from
	if from == builtinPolicy {
		file = ""
	}
	p, stored, err := EffectivePolicy(st, pol, file)
	if err != nil || stored == "" {
		return p, from, err
	}
	return p, stored, nil
}

// SetPolicy stores the policy file at path (checked as the home's own
// files are: StrictModes) as the home's store's policy: `localca policy
// set`.
func (h Home) SetPolicy(path string, now time.Time) (*StoredPolicy, error) {
	chk, err := h.checker()
	if err != nil {
		return nil, err
	}
	if err := chk.File(path); err != nil {
		return nil, err
	}
	text, err := ReadInput(path, MaxInputFile)
	if err != nil {
		return nil, fmt.Errorf("ca: policy %s: %w", path, err)
	}
	var sp *StoredPolicy
	err = h.session(false, func(st *store.Store) (err error) {
		sp, err = SetPolicy(st, text, now)
		return err
	})
	return sp, err
}
