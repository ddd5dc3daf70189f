package ca

import "time"

// ServerOpener is how a long-running server (`localca serve`) reaches the
// store: a file is opened per request, waiting at most wait for another
// process to release it (holding its lock would shut other commands out);
// a store in etcd is opened once and kept open (keep), shared with the
// other nodes.
func (h Home) ServerOpener(wait time.Duration) (open Opener, keep bool, err error) {
	loc, err := h.Location()
	if err != nil {
		return nil, false, err
	}
	if loc.IsEtcd() {
		open, err = h.Opener(false)
		return open, true, err
	}
	return StoreOpener(loc.Where, OpenOptions{Wait: wait}), false, nil
}
