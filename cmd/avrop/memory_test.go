package main

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

// TestMemoryLimit: serve bounds the runtime's memory at 48 MiB unless GOMEMLIMIT is set, and
// computes one password hash at a time unless AVROP_PASSWORD_HASHES says otherwise: with the
// binary's own pages that keeps a replica under 100 MB (README, Speed, "Memory").
func TestMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })

	t.Setenv("GOMEMLIMIT", "")
	debug.SetMemoryLimit(math.MaxInt64)
	setMemoryLimit()
	if got := debug.SetMemoryLimit(-1); got != 48<<20 {
		t.Fatalf("soft memory limit = %d, want 48 MiB", got)
	}
	t.Setenv("GOMEMLIMIT", "200MiB")
	debug.SetMemoryLimit(math.MaxInt64)
	setMemoryLimit()
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("with GOMEMLIMIT set serve changed the limit to %d", got)
	}

	cfg, err := loadConfig(map[string]string{})
	testenv.Must(t, err)
	if cfg.PasswordHashes != auth.DefaultPasswordHashes || auth.DefaultPasswordHashes != 1 {
		t.Fatalf("password hashes at once = %d (auth default %d), want 1", cfg.PasswordHashes, auth.DefaultPasswordHashes)
	}
}
