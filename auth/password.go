package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: the OWASP minimum (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	// MinPasswordLength is the shortest password accepted.
	MinPasswordLength = 12
)

// HashPassword hashes a password with argon2id into a PHC string.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := idKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the PHC string encoded, in constant time.
func CheckPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("check password: unknown hash format")
	}
	var version int
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}
	got := idKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when the account does not exist, so that a failed login takes
// the same time whether or not the email is known. It is HashPassword("avrop-timing-equaliser")
// written out: computing it at start cost every process 19 MiB and 40 ms before it served.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$52eUsRLvjCiUUH4F/7JTZw$46yyCGqJ7y5SQT+KEMYQKc+IKdkbKEb+TGQ9ALiWAUw"

// DefaultPasswordHashes is how many argon2id computations a process runs at once unless
// SetPasswordHashes says otherwise.
const DefaultPasswordHashes = 1

// hashSlots bounds the argon2id computations running at once in this process. Each holds
// argonMemory (19 MiB) for the ≈ 40 ms it takes; unbounded, the sign-ins of a crowd arriving
// together held 19 MiB each and lifted a replica past 100 MB RSS in `make cluster-test`
// (README, Speed, "Memory"). Sign-ins beyond the slots wait their turn: the work is CPU-bound,
// so past the cores running more at once only shares them.
var hashSlots atomic.Pointer[chan struct{}]

func init() { SetPasswordHashes(DefaultPasswordHashes) }

// SetPasswordHashes sets how many argon2id computations run at once (at least 1); each needs
// 19 MiB while it runs (AVROP_PASSWORD_HASHES). Computations already waiting keep the old bound.
func SetPasswordHashes(n int) {
	n = max(n, 1)
	slots := make(chan struct{}, n)
	hashSlots.Store(&slots)
}

// hashing counts computations inside the slots, so tests can see the bound hold.
var hashing, hashingPeak atomic.Int32

// idKey is argon2.IDKey within one of the hash slots.
func idKey(password, salt []byte, passes, memory uint32, threads uint8, keyLen uint32) []byte {
	slots := *hashSlots.Load()
	slots <- struct{}{}
	defer func() { <-slots }()
	n := hashing.Add(1)
	defer hashing.Add(-1)
	for {
		if peak := hashingPeak.Load(); n <= peak || hashingPeak.CompareAndSwap(peak, n) {
			break
		}
	}
	return argon2.IDKey(password, salt, passes, memory, threads, keyLen)
}
