package main

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// weakSecrets are JWT secrets that have been published: in this repository (the development
// secret, the compose files' old default) or in every tutorial. A token signed with one of them
// can be forged by anyone, so production refuses to start with them.
var weakSecrets = []string{
	devSecret,
	"compose-demo-secret-change-me-0123456789",
}

// weakSecretWords mark a secret someone was told to replace.
var weakSecretWords = []string{"change-me", "changeme", "change_me", "replace-me", "do-not-use", "example", "your-secret", "insecure", "default"}

// checkSecret refuses a JWT secret that is too short, published, a placeholder, or made of a
// handful of characters ("aaaa…", "0123…0123").
func checkSecret(secret string) error {
	if len(secret) < 32 {
		return errors.New("config: AVROP_JWT_SECRET must be at least 32 characters")
	}
	lower := strings.ToLower(secret)
	for _, w := range weakSecrets {
		if secret == w {
			return errors.New("config: AVROP_JWT_SECRET is a published default; generate one, e.g. openssl rand -base64 48")
		}
	}
	for _, w := range weakSecretWords {
		if strings.Contains(lower, w) {
			return fmt.Errorf("config: AVROP_JWT_SECRET contains %q, a placeholder; generate one, e.g. openssl rand -base64 48", w)
		}
	}
	distinct := map[rune]bool{}
	for _, r := range secret {
		distinct[r] = true
	}
	if len(distinct) < 12 {
		return errors.New("config: AVROP_JWT_SECRET uses too few different characters to be random; generate one, e.g. openssl rand -base64 48")
	}
	return nil
}

// secretFromFile reads the JWT secret kept in path, creating it with 48 random bytes when it
// does not exist yet (so that `docker compose up` needs no setup and the secret survives
// restarts). Several processes starting at once agree: only one creates the file (O_EXCL) and
// the others read it.
func secretFromFile(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("config: AVROP_JWT_SECRET_FILE: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("config: AVROP_JWT_SECRET_FILE: %w", err)
	}
	b := make([]byte, 48)
	rand.Read(b) //nolint:errcheck // crypto/rand does not fail
	secret := base64.RawURLEncoding.EncodeToString(b)
	// Written whole to a file of its own, then linked into place: link fails when another
	// start got there first, and nobody ever reads a created but not yet written file (an
	// O_EXCL create followed by a write let a concurrent start read an empty secret).
	tmp, err := os.CreateTemp(filepath.Dir(path), ".jwt-secret-*")
	if err != nil {
		return "", fmt.Errorf("config: AVROP_JWT_SECRET_FILE: %w", err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // the link, if made, keeps the content
	_, werr := tmp.WriteString(secret + "\n")
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o600)
	}
	if werr != nil {
		return "", fmt.Errorf("config: AVROP_JWT_SECRET_FILE: %w", werr)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return secretFromFile(path)
	} else if err != nil {
		return "", fmt.Errorf("config: AVROP_JWT_SECRET_FILE: %w", err)
	}
	return secret, nil
}

// randomSecret is a secret nobody knows, for commands that sign no token.
func randomSecret() string {
	b := make([]byte, 48)
	rand.Read(b) //nolint:errcheck // crypto/rand does not fail
	return base64.RawURLEncoding.EncodeToString(b)
}
