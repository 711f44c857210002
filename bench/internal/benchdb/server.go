package benchdb

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// BuildServer builds `avrop` into a temporary folder that cleanup removes; bin, when not
// empty, is a binary built already (to compare two builds on one database).
func BuildServer(ctx context.Context, bin string) (string, func(), error) {
	if bin != "" {
		return bin, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "avrop-bench")
	if err != nil {
		return "", nil, err
	}
	bin = filepath.Join(tmp, "avrop")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/avrop").CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return "", nil, fmt.Errorf("go build ./cmd/avrop (run the bench from the repository root): %v\n%s", err, out)
	}
	return bin, func() { os.RemoveAll(tmp) }, nil
}

// Server is an `avrop serve` process on this bench's database, on a loopback port of its own.
type Server struct {
	Cmd  *exec.Cmd
	Base string // http://127.0.0.1:port
}

// StartServer starts bin serve on the bench's database with the JWT secret and further
// environment (NAME=value) given, and waits until /healthz answers.
func (b *Bench) StartServer(ctx context.Context, bin, jwtSecret string, env ...string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	dbURL := *b.AdminURL
	dbURL.Path = "/" + b.Name
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(append(os.Environ(), "DATABASE_URL="+dbURL.String(), "REDIS_URL="+RedisURL(), "AVROP_ADDR="+addr,
		"AVROP_JWT_SECRET="+jwtSecret, "AVROP_BOOTSTRAP_ADMIN_EMAIL=", "AVROP_BOOTSTRAP_ADMIN_PASSWORD="), env...)
	// Stdout nil is /dev/null: a pipe drained by this process made every request that logs
	// wait, whenever the pipe was full, for this reader's turn on the shared cores.
	cmd.Stdout, cmd.Stderr = nil, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{Cmd: cmd, Base: "http://" + addr}
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		res, err := http.Get(s.Base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Since(start) > time.Minute {
			s.Stop()
			return nil, fmt.Errorf("server did not start: %v", err)
		}
	}
}

// Stop ends the server and waits for it.
func (s *Server) Stop() {
	s.Cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck
	s.Cmd.Wait()                          //nolint:errcheck
}

// CPU is the server process's CPU time so far.
func (s *Server) CPU() time.Duration { return ProcCPU(s.Cmd.Process.Pid) }

// BackendsCPU is the CPU time used so far by the PostgreSQL backends connected to the bench
// database (the server's pool), read from /proc: this machine's own processes.
func (b *Bench) BackendsCPU(ctx context.Context) time.Duration {
	var pids []int
	if err := b.Admin.SelectContext(ctx, &pids, `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, b.Name); err != nil {
		return 0
	}
	var sum time.Duration
	for _, pid := range pids {
		sum += ProcCPU(pid)
	}
	return sum
}

// PeakRSS is a process's peak resident set size in kB (VmHWM of /proc/<pid>/status).
func PeakRSS(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// ProcCPU is a process's user and system CPU time (/proc/<pid>/stat, in clock ticks of 10 ms).
func ProcCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	return time.Duration(u+st) * 10 * time.Millisecond
}
