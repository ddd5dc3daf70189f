package ca

import (
	"time"

	"github.com/localca/localca/store"
)

// StoreStatus describes the store file at path (engine, file size, bytes in
// use, records by kind, schema) without writing or migrating it: `localca
// store status`. It waits at most timeout for another process's lock.
func StoreStatus(path string, timeout time.Duration) (*store.Status, error) {
	return store.StatusOf(path, timeout)
}

// MigrateStore moves the store file at path to the current schema, a
// backup first (named in the report), calling progress after each chunk of
// certificates: `localca store migrate`. A current store is left as it is
// (the report says so).
func MigrateStore(path string, timeout time.Duration, progress func(done, total int)) (store.MigrateReport, error) {
	return store.Migrate(path, &store.MigrateOptions{Timeout: timeout, Progress: progress})
}
