//go:build race

package testenv

// Race reports whether the race detector is on, which makes the SDK's
// marshalling many times slower.
const Race = true
