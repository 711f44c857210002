//go:build race

package api

// raceEnabled: the race detector is on, and allocation counts are not the program's own
// (sync.Pool drops items at random).
const raceEnabled = true
