//go:build race

package ray

// raceEnabled: built with -race.
const raceEnabled = true
