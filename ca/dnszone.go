package ca

import (
	"context"

	"github.com/localca/localca/store"
)

// DNSZone is the DNS zone's records and settings kept in the CA's store,
// which every localca process shares: `localca dns add` writes there, and a
// running DNS server follows it (DNSZone is the dnssrv.Backing of `dns
// serve` and `up`). Records are zone-file text. Each call opens the store
// for that call alone, so that a server that runs for hours never holds
// other commands out.
type DNSZone struct {
	// Read opens the store for reading (a shared lock); nil means Write.
	Read Opener
	// Write opens the store for writing.
	Write Opener
	// Secrets seals the TSIG secrets in a store that seals its secrets (a
	// store in etcd); nil reads them only where they are kept in clear.
	Secrets *Secrets
}

// openRead opens the store for reading: with Read when the zone has it,
// else with Write.
func (z DNSZone) openRead() (*store.Store, error) {
	if z.Read != nil {
		return z.Read()
	}
	return z.Write()
}

// Records returns every stored record, of any zone ([], not nil, when
// there is none: `localca dns list --json` prints an empty array).
func (z DNSZone) Records() ([]string, error) {
	st, err := z.openRead()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	recs, err := st.DNSRecords()
	if recs == nil && err == nil {
		recs = []string{}
	}
	return recs, err
}

// Apply adds and removes records in one transaction and reports whether
// anything changed.
func (z DNSZone) Apply(add, remove []string) (changed bool, err error) {
	err = z.write(func(st *store.Store) error {
		changed, err = st.ApplyDNS(add, remove)
		return err
	})
	return changed, err
}

// Setting returns the zone's setting name, made with init and stored on
// first use (the TSIG secret of its update key, for one). Zone settings
// are secrets: a store that seals its secrets keeps them sealed.
func (z DNSZone) Setting(name string, init func() (string, error)) (value string, err error) {
	name = "dns." + name
	err = z.write(func(st *store.Store) error {
		if err := z.Secrets.Prepare(st); err != nil {
			return err
		}
		v, err := st.SettingOrInit(name, func() (string, error) {
			v, err := init()
			if err != nil {
				return "", err
			}
			sealed, err := z.Secrets.Seal(st, "setting/"+name, []byte(v))
			return string(sealed), err
		})
		if err != nil {
			return err
		}
		plain, err := z.Secrets.Open(st, "setting/"+name, []byte(v))
		value = string(plain)
		return err
	})
	return value, err
}

func (z DNSZone) write(f func(*store.Store) error) error {
	st, err := z.Write()
	if err != nil {
		return err
	}
	defer st.Close()
	return f(st)
}

// NewDNSZone is the zone of the store that open names, looked up afresh
// for every call (a read-only open for reads): for a program that picks
// its store per call, as a localca command does from --store and --home.
func NewDNSZone(open func(readOnly bool) (Opener, error)) DNSZone {
	lazy := func(readOnly bool) Opener {
		return func() (*store.Store, error) {
			o, err := open(readOnly)
			if err != nil {
				return nil, err
			}
			return o()
		}
	}
	return DNSZone{Read: lazy(true), Write: lazy(false)}
}

// Changes signals when the zone's records or keys may have changed, by
// the store's watch (store.Changes): a DNS server follows a store in etcd
// at once rather than at its next poll. It holds one store open until ctx
// ends. For a store that cannot be watched so (a bbolt file) it returns a
// nil channel: poll.
func (z DNSZone) Changes(ctx context.Context) (<-chan struct{}, error) {
	st, err := z.openRead()
	if err != nil {
		return nil, err
	}
	ch, err := st.Changes(ctx, "dns/", "dnskey/")
	if err != nil || ch == nil {
		st.Close()
		return nil, err
	}
	out := make(chan struct{}, 1)
	go func() {
		defer st.Close()
		defer close(out)
		for range ch {
			select {
			case out <- struct{}{}:
			default:
			}
		}
	}()
	return out, nil
}
