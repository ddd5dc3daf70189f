package benchalt

import (
	"errors"
	"sync"
	"sync/atomic"
)

// Parallel calls fn n times in all from the given number of goroutines
// (worker is the goroutine's index, 0 to callers-1, for state of its own),
// and returns every error that ended a goroutine. With one caller it is a
// plain loop. It is for a side of Funcs or Bench that has many callers.
func Parallel(callers, n int, fn func(worker int) error) error {
	if callers <= 1 {
		for range n {
			if err := fn(0); err != nil {
				return err
			}
		}
		return nil
	}
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	errs := make([]error, callers)
	for w := range callers {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				if err := fn(w); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
