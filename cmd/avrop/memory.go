package main

import (
	"os"
	"runtime/debug"
)

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT is not set: the
// garbage collector works harder as the heap nears it, where the default (no limit, GOGC=100)
// let the heap grow to twice its live size. A replica's RSS is the binary's pages it has
// touched (30–34 MB) plus the runtime's memory, which this bounds while the live heap fits
// (≈ 20 MB under load; password hashes are bounded apart, auth/password.go): 48 MiB keeps a
// replica under 100 MB with margin (README, Speed, "Memory"; at 64 MiB the cluster test's
// replicas reached 102–106 MB). GOMEMLIMIT and GOGC, when set, are the Go runtime's own
// settings and win.
const defaultMemoryLimit = 48 << 20

func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
