package main

import (
	"os"
	"runtime/debug"
)

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT is not set: the
// garbage collector works harder as the heap nears it, which keeps a replica's RSS under
// 100 MB under search load (README, Speed) where the default (no limit, GOGC=100) let the
// heap grow to twice its live size. GOMEMLIMIT and GOGC, when set, are the Go runtime's own
// settings and win.
const defaultMemoryLimit = 64 << 20

func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
