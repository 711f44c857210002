package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// A test that must stop or break a server (PostgreSQL down, Redis out of memory) starts its
// own on a free port in a temporary directory; the shared servers are never touched.

// freePort returns a TCP port nothing listens on right now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	Must(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// need skips (locally) or fails (in CI) when a program is not installed.
func need(t testing.TB, program string) string {
	t.Helper()
	path, err := exec.LookPath(program)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed in CI", program)
		}
		t.Skipf("%s not installed", program)
	}
	return path
}

// PostgresServer is a PostgreSQL cluster of one test (trust authentication, user postgres).
type PostgresServer struct {
	URL  string // of its postgres database
	dir  string
	port int
	bin  string
	t    testing.TB
}

// StartPostgres initialises a cluster in a temporary directory and starts it on a free port.
// The cluster is stopped and removed when the test ends.
func StartPostgres(t testing.TB) *PostgresServer {
	t.Helper()
	bin := postgresBin(t)
	dir, err := os.MkdirTemp("", "avrop-pg-")
	Must(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := &PostgresServer{dir: dir, port: freePort(t), bin: bin, t: t}
	s.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
		Must(t, exec.Command("chown", "postgres", dir).Run())
	}
	s.run("initdb", "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	s.Start()
	t.Cleanup(s.stopQuietly)
	return s
}

// postgresBin finds the directory of initdb and pg_ctl (not on PATH in Debian's packages).
func postgresBin(t testing.TB) string {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p)
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(matches) == 0 {
		need(t, "pg_ctl")
	}
	return filepath.Dir(matches[len(matches)-1])
}

func (s *PostgresServer) run(program string, args ...string) {
	s.t.Helper()
	cmd := exec.Command(filepath.Join(s.bin, program), args...)
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(s.bin, program)}, args...)...)
	}
	cmd.Dir = s.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		s.t.Fatalf("%s: %v\n%s", program, err, out)
	}
}

// Start starts the cluster and waits until it accepts connections.
func (s *PostgresServer) Start() {
	s.t.Helper()
	s.run("pg_ctl", "start", "-w", "-D", filepath.Join(s.dir, "data"), "-l", filepath.Join(s.dir, "log"),
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50", s.port, s.dir))
}

// Stop stops the cluster at once (fast shutdown: open connections are cut).
func (s *PostgresServer) Stop() {
	s.t.Helper()
	s.run("pg_ctl", "stop", "-w", "-m", "fast", "-D", filepath.Join(s.dir, "data"))
}

func (s *PostgresServer) stopQuietly() {
	cmd := exec.Command(filepath.Join(s.bin, "pg_ctl"), "stop", "-m", "immediate", "-D", filepath.Join(s.dir, "data"))
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", "-u", "postgres", "--", filepath.Join(s.bin, "pg_ctl"), "stop", "-m", "immediate", "-D", filepath.Join(s.dir, "data"))
	}
	cmd.Run() //nolint:errcheck // it may be stopped already
}

// RedisServer is a redis-server of one test, without persistence.
type RedisServer struct {
	Addr string
	cmd  *exec.Cmd
}

// StartRedis starts a redis-server on a free port with extra arguments (e.g. "--maxmemory",
// "1mb"); it is killed when the test ends.
func StartRedis(t testing.TB, args ...string) *RedisServer {
	t.Helper()
	need(t, "redis-server")
	port := freePort(t)
	s := &RedisServer{Addr: "127.0.0.1:" + strconv.Itoa(port)}
	s.cmd = exec.Command("redis-server", append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}, args...)...)
	Must(t, s.cmd.Start())
	t.Cleanup(func() {
		s.cmd.Process.Kill() //nolint:errcheck // it may have exited
		s.cmd.Wait()         //nolint:errcheck // killed
	})
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	for deadline := time.Now().Add(5 * time.Second); c.Ping(context.Background()).Err() != nil; {
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not come up")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s
}
