//go:build race

package rotation

// raceEnabled is true when the tests run under the race detector, which
// makes the long simulation about ten times slower.
const raceEnabled = true
