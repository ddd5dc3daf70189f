package store

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// filterFixture is a store holding certificates chosen to sit on either side
// of every filter's edge.
type filterFixture struct {
	s     *Store
	k1    *testKey
	k2    *testKey
	certs map[string]*Cert
}

func newFilterFixture(t *testing.T) *filterFixture {
	t.Helper()
	s := openTest(t, nil)
	ca := newTestCA(t, "Root")
	f := &filterFixture{s: s, k1: newTestKey(t), k2: newTestKey(t), certs: map[string]*Cert{}}
	add := func(label string, k *testKey, notAfter time.Time, names ...string) {
		c := ca.issue(t, k, notAfter, names...)
		mustCommit(t, s, Record{Cert: c})
		f.certs[label] = c
	}
	add("a", f.k1, testNow.AddDate(0, 0, 10), "a.test", "www.a.test")
	add("A", f.k1, testNow.AddDate(0, 0, 40), "A.Test")
	add("suffix", f.k2, testNow.AddDate(0, 0, 40), "a.test.example")
	add("prefix", f.k2, testNow.Add(-time.Second), "xa.test") // expired a second ago
	add("revoked", f.k2, testNow.AddDate(0, 0, 100), "b.test")
	add("revoked-expired", f.k1, testNow.Add(-48*time.Hour), "b.test")
	add("edge-now", f.k2, testNow, "edge.test")                    // valid: not after now
	add("edge-7d", f.k2, testNow.Add(7*24*time.Hour), "edge.test") // exactly at now+7d
	add("edge-7d+1s", f.k2, testNow.Add(7*24*time.Hour+time.Second), "edge.test")
	for _, l := range []string{"revoked", "revoked-expired"} {
		if _, err := s.RevokeCert(f.certs[l].Serial, testNow.Add(-time.Hour), 0); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// labels maps certificates back to the fixture's labels.
func (f *filterFixture) labels(certs []*Cert) []string {
	bySerial := map[string]string{}
	for l, c := range f.certs {
		bySerial[c.SerialHex()] = l
	}
	out := make([]string, len(certs))
	for i, c := range certs {
		out[i] = bySerial[c.SerialHex()]
	}
	return out
}

func TestListCertsFilters(t *testing.T) {
	f := newFilterFixture(t)
	all := []string{"a", "A", "suffix", "prefix", "revoked", "revoked-expired", "edge-now", "edge-7d", "edge-7d+1s"}
	week := 7 * 24 * time.Hour
	tests := []struct {
		name   string
		filter Filter
		want   []string
	}{
		{"everything", Filter{Now: testNow}, all},
		{"store clock when Now is zero", Filter{Status: CertExpired}, []string{"prefix"}},
		{"valid", Filter{Status: CertValid, Now: testNow},
			[]string{"a", "A", "suffix", "edge-now", "edge-7d", "edge-7d+1s"}},
		{"revoked, expired or not", Filter{Status: CertRevoked, Now: testNow}, []string{"revoked", "revoked-expired"}},
		{"expired", Filter{Status: CertExpired, Now: testNow}, []string{"prefix"}},
		{"expired later", Filter{Status: CertExpired, Now: testNow.AddDate(0, 0, 11)},
			[]string{"a", "prefix", "edge-now", "edge-7d", "edge-7d+1s"}},
		{"name, exact and case-insensitive", Filter{Name: "a.test", Now: testNow}, []string{"a", "A"}},
		{"name in upper case", Filter{Name: "WWW.A.TEST", Now: testNow}, []string{"a"}},
		{"name that is only a prefix", Filter{Name: "a.tes", Now: testNow}, nil},
		{"name and status", Filter{Name: "b.test", Status: CertRevoked, Now: testNow}, []string{"revoked", "revoked-expired"}},
		{"name and key", Filter{Name: "b.test", KeyFingerprint: f.k1.fp(), Now: testNow}, []string{"revoked-expired"}},
		{"key", Filter{KeyFingerprint: f.k1.fp(), Now: testNow}, []string{"a", "A", "revoked-expired"}},
		{"key and status", Filter{KeyFingerprint: f.k1.fp(), Status: CertValid, Now: testNow}, []string{"a", "A"}},
		{"truncated key", Filter{KeyFingerprint: f.k1.fp()[:8], Now: testNow}, nil},
		{"expiring within a week", Filter{ExpiringWithin: week, Now: testNow}, []string{"edge-now", "edge-7d"}},
		{"expiring, now between seconds", Filter{ExpiringWithin: week, Now: testNow.Add(500 * time.Millisecond)},
			[]string{"edge-7d"}},
		{"expiring within 11 days", Filter{ExpiringWithin: 11 * 24 * time.Hour, Now: testNow},
			[]string{"edge-now", "edge-7d", "edge-7d+1s", "a"}},
		{"expiring excludes revoked", Filter{ExpiringWithin: 200 * 24 * time.Hour, Now: testNow},
			[]string{"edge-now", "edge-7d", "edge-7d+1s", "a", "A", "suffix"}},
		{"expiring and name", Filter{ExpiringWithin: week, Name: "edge.test", Now: testNow}, []string{"edge-now", "edge-7d"}},
		{"expiring and key", Filter{ExpiringWithin: 11 * 24 * time.Hour, KeyFingerprint: f.k1.fp(), Now: testNow}, []string{"a"}},
		{"limit", Filter{Limit: 2, Now: testNow}, []string{"a", "A"}},
		{"limit with status", Filter{Limit: 1, Status: CertRevoked, Now: testNow}, []string{"revoked"}},
		{"limit above the answer", Filter{Limit: 50, Name: "a.test", Now: testNow}, []string{"a", "A"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.s.ListCerts(tt.filter)
			if err != nil {
				t.Fatalf("ListCerts: %v", err)
			}
			if labels := f.labels(got); !slices.Equal(labels, tt.want) {
				t.Errorf("ListCerts(%+v) = %q, want %q", tt.filter, labels, tt.want)
			}
			// ForEachCert visits the same and stops when fn fails.
			var n int
			stop := errors.New("stop")
			err = f.s.ForEachCert(tt.filter, func(*Cert) error { n++; return stop })
			if len(tt.want) == 0 && err != nil || len(tt.want) > 0 && (!errors.Is(err, stop) || n != 1) {
				t.Errorf("ForEachCert with a failing fn: err = %v after %d calls", err, n)
			}
		})
	}
}

func TestListCertsUnknownStatus(t *testing.T) {
	s := openTest(t, nil)
	if _, err := s.ListCerts(Filter{Status: "bogus"}); err == nil {
		t.Errorf("ListCerts accepted an unknown status")
	}
}

func TestRevokedCerts(t *testing.T) {
	s := openTest(t, nil)
	ca1, ca2 := newTestCA(t, "One"), newTestCA(t, "Two")
	type entry struct {
		ca       *testCA
		notAfter time.Time
		revoke   bool
		listed   bool // on ca1's CRL at testNow
	}
	entries := map[string]entry{
		"ca1 revoked":         {ca1, testNow.AddDate(0, 1, 0), true, true},
		"ca1 revoked expired": {ca1, testNow.Add(-time.Second), true, false},
		"ca1 revoked at edge": {ca1, testNow, true, true},
		"ca1 valid":           {ca1, testNow.AddDate(0, 1, 0), false, false},
		"ca2 revoked":         {ca2, testNow.AddDate(0, 1, 0), true, false},
	}
	var want []string
	for name, e := range entries {
		c := e.ca.issue(t, nil, e.notAfter, name)
		mustCommit(t, s, Record{Cert: c})
		if e.revoke {
			if _, err := s.RevokeCert(c.Serial, testNow.Add(-time.Minute), 1); err != nil {
				t.Fatal(err)
			}
		}
		if e.listed {
			want = append(want, name)
		}
	}
	var got []string
	if err := s.RevokedCerts(ca1.auth.ID, testNow, func(c *Cert) error {
		if c.Status != CertRevoked || c.Reason != 1 {
			t.Errorf("%v: listed as %s reason %d", c.Names, c.Status, c.Reason)
		}
		got = append(got, c.Names[0])
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("RevokedCerts(ca1) = %q, want %q", got, want)
	}
	stop := errors.New("stop")
	if err := s.RevokedCerts(ca1.auth.ID, testNow, func(*Cert) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("RevokedCerts did not pass on fn's error: %v", err)
	}
}
