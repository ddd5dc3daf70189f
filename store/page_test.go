package store

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// pagedStore holds 40 certificates: names "a-N.test" and "b-N.test", a third
// of them expired, every fifth revoked, some ending within 30 days.
func pagedStore(t testing.TB) (*Store, []*Cert) {
	t.Helper()
	s := openTest(t, nil)
	ca := newTestCA(t, "Root")
	if err := s.InitCA(newTestCA(t, "Root").auth, ca.auth, false); err != nil {
		t.Fatal(err)
	}
	k := newTestKey(t)
	for i := range 40 {
		name := fmt.Sprintf("%c-%02d.test", "ab"[i%2], i)
		notAfter := testNow.Add(time.Duration(i%3-1) * 24 * time.Hour * time.Duration(10+i))
		c := ca.issue(t, k, notAfter, name)
		if i%5 == 0 {
			c.Status = CertRevoked
		}
		mustCommit(t, s, Record{Cert: c})
	}
	all, err := s.ListCerts(Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return s, all
}

// walkPages follows Next from the first page, then Prev from the last page,
// and checks that both walks see the same rows, each once.
func walkPages(t *testing.T, s *Store, q PageQuery) []string {
	t.Helper()
	var forward []string
	var pages [][]string
	cur := q
	for range 100 {
		p, err := s.PageCerts(cur)
		if err != nil {
			t.Fatalf("PageCerts(%+v): %v", cur, err)
		}
		if len(p.Certs) > q.Limit {
			t.Fatalf("page of %d rows, limit %d", len(p.Certs), q.Limit)
		}
		pages = append(pages, serialsOf(p.Certs))
		forward = append(forward, serialsOf(p.Certs)...)
		if p.Next == "" {
			break
		}
		cur = q
		cur.After = p.Next
	}
	var backward []string
	cur = q
	cur.Last = true
	for range 100 {
		p, err := s.PageCerts(cur)
		if err != nil {
			t.Fatalf("PageCerts(%+v): %v", cur, err)
		}
		backward = append(serialsOf(p.Certs), backward...)
		if p.Prev == "" {
			break
		}
		cur = q
		cur.Before = p.Prev
	}
	if !slices.Equal(forward, backward) {
		t.Errorf("%+v: forward walk\n%v\nbackward walk\n%v", q, forward, backward)
	}
	seen := map[string]bool{}
	for _, s := range forward {
		if seen[s] {
			t.Errorf("%+v: %s listed twice", q, s)
		}
		seen[s] = true
	}
	// A page's Prev leads back to the page before it.
	if len(pages) > 1 && q.MaxScan == 0 {
		p1, _ := s.PageCerts(q)
		next := q
		next.After = p1.Next
		p2, _ := s.PageCerts(next)
		back := q
		back.Before = p2.Prev
		p1b, err := s.PageCerts(back)
		if err != nil || !slices.Equal(serialsOf(p1b.Certs), pages[0]) {
			t.Errorf("%+v: Prev of page 2 gives %v, want %v (%v)", q, serialsOf(p1b.Certs), pages[0], err)
		}
	}
	return forward
}

func TestPageCerts(t *testing.T) {
	s, all := pagedStore(t)
	newestFirst := slices.Clone(all)
	slices.Reverse(newestFirst)
	want := func(keep func(*Cert) bool) []string {
		var out []string
		for _, c := range all {
			if keep(c) {
				out = append(out, c.SerialHex())
			}
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		q    PageQuery
		keep func(*Cert) bool
	}{
		{PageQuery{Limit: 7}, func(*Cert) bool { return true }},
		{PageQuery{Limit: 7, Status: CertRevoked}, func(c *Cert) bool { return c.Status == CertRevoked }},
		{PageQuery{Limit: 4, Status: CertValid}, func(c *Cert) bool { return c.StatusAt(testNow) == CertValid }},
		{PageQuery{Limit: 4, Status: CertExpired}, func(c *Cert) bool { return c.StatusAt(testNow) == CertExpired }},
		{PageQuery{Limit: 3, ExpiringWithin: 30 * 24 * time.Hour}, func(c *Cert) bool {
			return c.StatusAt(testNow) == CertValid && c.NotAfter.Before(testNow.AddDate(0, 0, 30))
		}},
		{PageQuery{Limit: 5, Name: "B-"}, func(c *Cert) bool { return c.Names[0][0] == 'b' }},
		{PageQuery{Limit: 5, Name: "a-1"}, func(c *Cert) bool { return c.Names[0][:3] == "a-1" }},
		{PageQuery{Limit: 2, Name: "a-", Status: CertRevoked}, func(c *Cert) bool { return c.Names[0][0] == 'a' && c.Status == CertRevoked }},
		{PageQuery{Limit: 5, Name: "nothing.test"}, func(*Cert) bool { return false }},
		// A scan budget smaller than the store: partial pages, the same rows.
		{PageQuery{Limit: 5, Status: CertRevoked, Name: "b-", MaxScan: 3}, func(c *Cert) bool { return c.Names[0][0] == 'b' && c.Status == CertRevoked }},
		{PageQuery{Limit: 50, Status: CertExpired, MaxScan: 4}, func(c *Cert) bool { return c.StatusAt(testNow) == CertExpired }},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.q), func(t *testing.T) {
			got := walkPages(t, s, tt.q)
			sorted := slices.Clone(got)
			slices.Sort(sorted)
			if w := want(tt.keep); !slices.Equal(sorted, w) {
				t.Errorf("rows %v\nwant %v", sorted, w)
			}
		})
	}
	t.Run("order", func(t *testing.T) {
		if got := walkPages(t, s, PageQuery{Limit: 6}); !slices.Equal(got, serialsOf(newestFirst)) {
			t.Errorf("no filter: want newest first")
		}
		p, err := s.PageCerts(PageQuery{Status: CertValid, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.IsSortedFunc(p.Certs, func(a, b *Cert) int { return a.NotAfter.Compare(b.NotAfter) }) {
			t.Errorf("valid: want the soonest to expire first")
		}
	})
}

func TestPageCertsRefuses(t *testing.T) {
	s, _ := pagedStore(t)
	for _, q := range []PageQuery{{Status: "bogus"}, {After: "!!"}, {Before: "AAAA"}} {
		if _, err := s.PageCerts(q); err == nil {
			t.Errorf("PageCerts(%+v): no error", q)
		}
	}
}

// FuzzPageCerts: whatever a URL brings as cursor, name and status, a page
// is an error or at most Limit rows, and never a panic.
func FuzzPageCerts(f *testing.F) {
	s, _ := pagedStore(f)
	first, err := s.PageCerts(PageQuery{Limit: 3})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(first.Next, "", "", "", false)
	f.Add("", first.Next, "a-", CertValid, false)
	f.Add("AAAAAAAAAAAAAAAAAAAAAA", "", "b", CertExpired, true)
	f.Add("", "", "\x00\xff", CertRevoked, false)
	f.Fuzz(func(t *testing.T, after, before, name, status string, last bool) {
		p, err := s.PageCerts(PageQuery{After: after, Before: before, Name: name, Status: status, Last: last, Limit: 3, MaxScan: 20})
		if err == nil && len(p.Certs) > 3 {
			t.Errorf("%d rows for a limit of 3", len(p.Certs))
		}
	})
}
