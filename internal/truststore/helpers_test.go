package truststore

import "testing"

// stepsOf returns the steps of one store.
func stepsOf(r Report, store string) []Step {
	var out []Step
	for _, s := range r.Stores {
		if s.Store == store {
			out = append(out, s)
		}
	}
	return out
}

// oneStep returns the only step of store, with the state wanted.
func oneStep(t *testing.T, r Report, store, state string) Step {
	t.Helper()
	steps := stepsOf(r, store)
	if len(steps) != 1 || steps[0].State != state {
		t.Fatalf("%s: want one step %q, got %+v", store, state, steps)
	}
	return steps[0]
}
