package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/localca/localca/ca"
	"github.com/localca/localca/store"
)

// Inventory sizes: rows per page, revocations and log lines on the main page.
const (
	pageRows      = 50
	revokedRows   = 10
	activityRows  = 15
	expiringSoon  = 30 * 24 * time.Hour
	maxNameFilter = 253
)

// inventoryView is the filter form, one page of certificates and the links
// to the pages around it.
type inventoryView struct {
	Name                    string
	Status                  string
	Statuses                []option
	Rows                    []certRow
	Order                   string // in which order the rows are, in words
	Empty                   string // said when there are no rows
	Partial                 bool   // the page stopped at the scan limit
	First, Prev, Next, Last string
}

type option struct {
	Value, Label string
	Selected     bool
}

// certRow is one certificate in a table. Class is its status for the
// stylesheet, "expiring" for a valid one that ends within 30 days.
type certRow struct {
	Serial, Href, Names, Profile, Status, Class, NotAfter, Left, Revoked string
}

type eventView struct{ Time, Kind, Ref, Detail string }

// statuses are the filter's choices; "expiring" reads the expiry index.
var statuses = []option{
	{Value: "", Label: "any status"},
	{Value: store.CertValid, Label: "valid"},
	{Value: "expiring", Label: "expiring within 30 days"},
	{Value: store.CertExpired, Label: "expired"},
	{Value: store.CertRevoked, Label: "revoked"},
}

// home is GET /: everything, the inventory only for a reader allowed to see it.
func (p *Page) home(w http.ResponseWriter, r *http.Request) {
	t := p.trust
	v := &pageView{Title: "localca: " + t.RootName, CA: p.caView(), Trust: &t, Links: p.links()}
	ok, _ := p.allowed(r)
	if !ok {
		v.NeedToken = true
		p.render(w, r, http.StatusOK, v)
		return
	}
	q, inv, err := p.query(r.URL.Query())
	if err != nil {
		p.fail(w, r, http.StatusBadRequest, "Bad filter", err.Error())
		return
	}
	err = p.cfg.Read(func(c *ca.CA) error {
		page, err := c.Certificates(q)
		if err != nil {
			return err
		}
		p.fill(inv, q, page)
		rev, err := c.Certificates(store.PageQuery{Status: store.CertRevoked, Limit: revokedRows, Now: q.Now})
		if err != nil {
			return err
		}
		v.Revoked = p.rows(rev.Certs, q.Now)
		events, err := c.Events(activityRows)
		if err != nil {
			return err
		}
		slices.Reverse(events)
		for _, e := range events {
			v.Activity = append(v.Activity, eventView{Time: stamp(e.Time), Kind: e.Kind, Ref: e.Ref, Detail: e.Detail})
		}
		return nil
	})
	if err != nil {
		p.readFailed(w, r, err)
		return
	}
	v.Inventory = inv
	p.render(w, r, http.StatusOK, v)
}

// query reads the filter and the cursor from the URL.
func (p *Page) query(in url.Values) (store.PageQuery, *inventoryView, error) {
	q := store.PageQuery{
		Name: strings.TrimSpace(in.Get("name")), Limit: pageRows, Now: p.cfg.Now(),
		After: in.Get("after"), Before: in.Get("before"), Last: in.Get("last") != "",
	}
	if len(q.Name) > maxNameFilter {
		return q, nil, errors.New("the name filter is longer than a DNS name can be (253 characters)")
	}
	inv := &inventoryView{Name: q.Name, Status: in.Get("status")}
	known := false
	for _, o := range statuses {
		o.Selected = o.Value == inv.Status
		known = known || o.Selected
		inv.Statuses = append(inv.Statuses, o)
	}
	if !known {
		return q, nil, errors.New("status must be valid, expiring, expired or revoked")
	}
	if inv.Status == "expiring" {
		q.ExpiringWithin = expiringSoon
	} else {
		q.Status = inv.Status
	}
	return q, inv, nil
}

// fill puts a page of certificates into the view, with the paging links
// that keep the filter.
func (p *Page) fill(inv *inventoryView, q store.PageQuery, page *store.CertPage) {
	inv.Rows = p.rows(page.Certs, q.Now)
	inv.Partial = page.Partial
	link := func(key, value string) string {
		v := url.Values{}
		if q.Name != "" {
			v.Set("name", q.Name)
		}
		if inv.Status != "" {
			v.Set("status", inv.Status)
		}
		if key != "" {
			v.Set(key, value)
		}
		return "/?" + v.Encode() + "#inventory"
	}
	if page.Prev != "" {
		inv.First, inv.Prev = link("", ""), link("before", page.Prev)
	}
	if page.Next != "" {
		inv.Next, inv.Last = link("after", page.Next), link("last", "1")
	}
	switch {
	case q.Name != "":
		inv.Order = "Names starting with “" + q.Name + "”, by name, then oldest first."
	case q.ExpiringWithin > 0 || q.Status == store.CertValid:
		inv.Order = "By expiry, the soonest first."
	case q.Status == store.CertExpired:
		inv.Order = "By expiry, the most recently expired first."
	default:
		inv.Order = "Newest first."
	}
	if len(inv.Rows) == 0 && !page.Partial {
		inv.Empty = "No certificate matches."
	}
}

func (p *Page) rows(certs []*store.Cert, now time.Time) []certRow {
	out := make([]certRow, 0, len(certs))
	for _, c := range certs {
		st := c.StatusAt(now)
		row := certRow{
			Serial: c.SerialHex(), Href: pathCerts + c.SerialHex(), Names: strings.Join(c.Names, ", "),
			Profile: c.Profile, Status: st, Class: st, NotAfter: day(c.NotAfter), Left: left(c.NotAfter, now),
		}
		if st == store.CertValid && c.NotAfter.Sub(now) <= expiringSoon {
			row.Class, row.Status = "expiring", "valid, expiring"
		}
		if st == store.CertRevoked {
			row.Revoked = stamp(c.RevokedAt) + ", " + orNone(ca.ReasonName(c.Reason))
		}
		out = append(out, row)
	}
	return out
}

// readFailed answers a failed read of the store: 503 when another localca
// process holds it (try again), 500 otherwise.
func (p *Page) readFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrInUse) {
		w.Header().Set("Retry-After", "2")
		p.fail(w, r, http.StatusServiceUnavailable, "Busy", "Another localca command holds the store; reload in a moment.")
		return
	}
	p.fail(w, r, http.StatusInternalServerError, "The store could not be read", err.Error())
}
