// Package defaults fills the limits a caller left unset. A configuration
// struct of ours reads a zero (or a negative, which no limit can be) as
// "the default": the zero value is useful, as STYLE.md asks, and a typo
// such as -1 never turns a timeout or a cap off.
package defaults

// Positive sets *v to d unless *v is above zero.
func Positive[T ~int | ~int64](v *T, d T) {
	if *v <= 0 {
		*v = d
	}
}
