package orders_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	osexec "os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/avrop/avrop/auth"
	"github.com/avrop/avrop/internal/testenv"
)

// The ceiling holds across two real `avrop serve` processes on one database: the binary is
// built from ./cmd/avrop and started twice, and 200 orders race through both, 16 at a time.
func TestCeilingAcrossTwoServeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the real binary")
	}
	goBin, err := osexec.LookPath("go")
	if err != nil {
		t.Skip("go toolchain not on PATH")
	}
	const fits, tries = 50, 200
	w := newWorld(t, agreementOpts{ceiling: ptr(int64(fits * 60000))})
	ctx := context.Background()

	bin := filepath.Join(t.TempDir(), "avrop")
	build := osexec.Command(goBin, "build", "-o", bin, "./cmd/avrop")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/avrop: %v\n%s", err, out)
	}

	const password = "two-processes-password-2026"
	hash, err := auth.HashPassword(password)
	testenv.Must(t, err)
	emails := map[string]string{}
	for _, c := range []auth.Caller{w.Orderer, w.Orderer2, w.Approver} {
		var email string
		testenv.Must(t, w.db.GetContext(ctx, &email, `UPDATE users SET password_hash = $2 WHERE id = $1 RETURNING email`, c.UserID, hash))
		emails[c.UserID] = email
	}

	var bases []string
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		testenv.Must(t, err)
		addr := ln.Addr().String()
		ln.Close()
		cmd := osexec.Command(bin, "serve")
		cmd.Env = append(os.Environ(),
			"DATABASE_URL="+testenv.DatabaseURL(t),
			"REDIS_URL=redis://127.0.0.1:1/0", // unreachable: the service serves from PostgreSQL alone
			"AVROP_ADDR="+addr,
			"AVROP_JWT_SECRET=two-processes-secret-0123456789abcdef",
			"AVROP_ENV=production")
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		testenv.Must(t, cmd.Start())
		t.Cleanup(func() {
			cmd.Process.Kill() //nolint:errcheck
			cmd.Wait()         //nolint:errcheck
			if t.Failed() {
				t.Logf("avrop serve on %s:\n%s", addr, logs.String())
			}
		})
		bases = append(bases, "http://"+addr)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	for _, base := range bases {
		deadline := time.Now().Add(60 * time.Second)
		for {
			res, err := client.Get(base + "/healthz")
			if err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not come up: %v", base, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	post := func(base, path, token string, body any) (int, map[string]any) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, map[string]any{"error": err.Error()}
		}
		defer res.Body.Close()
		var out map[string]any
		json.NewDecoder(res.Body).Decode(&out) //nolint:errcheck
		return res.StatusCode, out
	}
	var tokens []string
	for i, email := range []string{emails[w.Orderer.UserID], emails[w.Orderer2.UserID], emails[w.Approver.UserID]} {
		status, sess := post(bases[i%2], "/api/v1/auth/login", "", map[string]any{"email": email, "password": password})
		if status != http.StatusOK {
			t.Fatalf("login: %d %v", status, sess)
		}
		tokens = append(tokens, sess["access_token"].(string))
	}

	var mu sync.Mutex
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	// 16 requests in flight at a time: each process opens a connection per request in flight,
	// and the PostgreSQL server (and its connection limit) is shared with other test packages.
	inFlight := make(chan struct{}, 16)
	for i := range tries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			inFlight <- struct{}{}
			defer func() { <-inFlight }()
			status, body := post(bases[i%2], "/api/v1/orders", tokens[i%len(tokens)], w.input(1))
			key := fmt.Sprint(status)
			if status != http.StatusCreated {
				key = fmt.Sprintf("%d %v", status, body["code"])
			}
			mu.Lock()
			outcomes[key]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if outcomes["201"] != fits || outcomes["422 ceiling_exceeded"] != tries-fits {
		t.Fatalf("outcomes = %v, want %d × 201 and %d × 422 ceiling_exceeded", outcomes, fits, tries-fits)
	}
	a, p := w.committed()
	if sum := w.sumCommitted(); a != sum || p != sum || sum != fits*60000 {
		t.Fatalf("committed agreement %d, participant %d, sum of orders %d; want all %d", a, p, sum, fits*60000)
	}
}
