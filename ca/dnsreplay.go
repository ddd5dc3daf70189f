package ca

import "time"

// DNSReplayWindow is how long the MAC of an answered DNS UPDATE is kept:
// twice TSIG's 300 s fudge.
const DNSReplayWindow = 600 * time.Second

// DNSReplayGuard keeps the MACs of answered DNS UPDATEs in the store, so
// that every DNS server of the zone (dns serve, up) refuses a replay that
// another answered. It implements dnssrv.ReplayGuard; open opens the store
// for one call.
type DNSReplayGuard struct {
	Open Opener
}

// Claim implements dnssrv.ReplayGuard.
func (g DNSReplayGuard) Claim(mac []byte, now time.Time) (int, bool, error) {
	st, err := g.Open()
	if err != nil {
		return 0, false, err
	}
	defer st.Close()
	return st.ClaimTSIG(mac, now, DNSReplayWindow)
}

// Answered implements dnssrv.ReplayGuard.
func (g DNSReplayGuard) Answered(mac []byte, rcode int) error {
	st, err := g.Open()
	if err != nil {
		return err
	}
	defer st.Close()
	return st.AnsweredTSIG(mac, rcode)
}
