package auth

import (
	"strings"
	"sync"
	"testing"

	"github.com/avrop/avrop/internal/testenv"
)

// TestDummyHashMatchesParameters: the written-out hash that unknown addresses are checked
// against is a hash of its phrase with today's parameters, so a failed login costs the same
// whether or not the address is known (a change of parameters must write it out again).
func TestDummyHashMatchesParameters(t *testing.T) {
	hash, err := HashPassword("x")
	testenv.Must(t, err)
	params := strings.Join(strings.Split(hash, "$")[:4], "$")
	if !strings.HasPrefix(dummyHash, params+"$") {
		t.Fatalf("dummyHash = %q, want the parameters of HashPassword %q", dummyHash, params)
	}
	ok, err := CheckPassword(dummyHash, "avrop-timing-equaliser")
	if err != nil || !ok {
		t.Fatalf("CheckPassword(dummyHash) = %v, %v, want a valid hash of its phrase", ok, err)
	}
}

// TestPasswordHashesBounded: however many sign-ins arrive at once, no more argon2id
// computations (19 MiB each) run together than SetPasswordHashes allows, and all finish.
func TestPasswordHashesBounded(t *testing.T) {
	hash, err := HashPassword(testPassword)
	testenv.Must(t, err)
	for _, limit := range []int{1, 2} {
		SetPasswordHashes(limit)
		hashingPeak.Store(0)
		var wg sync.WaitGroup
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ok, err := CheckPassword(hash, testPassword); err != nil || !ok {
					t.Errorf("CheckPassword = %v, %v", ok, err)
				}
			}()
		}
		wg.Wait()
		if peak := hashingPeak.Load(); peak > int32(limit) {
			t.Fatalf("%d argon2id computations ran at once, want at most %d", peak, limit)
		}
	}
	SetPasswordHashes(DefaultPasswordHashes)
}
